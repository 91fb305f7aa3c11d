package slack

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseOfficeHoursCommands(t *testing.T) {
	tests := []struct {
		text string
		want Command
	}{
		{"mentor", Command{Name: CmdMentor, Action: ActList}},
		{"mentor list", Command{Name: CmdMentor, Action: ActList}},
		{"Mentor ADD", Command{Name: CmdMentor, Action: ActAdd}},
		{"mentor edit karim-benali", Command{Name: CmdMentor, Action: ActEdit, Arg: "karim-benali"}},
		{"mentor remove  Karim Benali ", Command{Name: CmdMentor, Action: ActRemove, Arg: "Karim Benali"}},
		{"mentor remove <@U0KARIM>", Command{Name: CmdMentor, Action: ActRemove, Arg: "<@U0KARIM>"}},
		{"slots", Command{Name: CmdSlots, Action: ActList}},
		{"slots list", Command{Name: CmdSlots, Action: ActList}},
		{"slots add", Command{Name: CmdSlots, Action: ActAdd}},
		{"slots list karim next", Command{Name: CmdSlots, Action: ActList, Arg: "karim next"}},
		{"slots add Karim Benali 2026-12-03 14:00-17:00 every 30 room Atlas",
			Command{Name: CmdSlots, Action: ActAdd, Arg: "Karim Benali 2026-12-03 14:00-17:00 every 30 room Atlas"}},
		{"slots cancel s12", Command{Name: CmdSlots, Action: ActCancel, Arg: "S12"}},
		{"SLOTS Cancel S7", Command{Name: CmdSlots, Action: ActCancel, Arg: "S7"}},
	}
	for _, tt := range tests {
		got, err := ParseCommand(tt.text)
		if err != nil {
			t.Errorf("ParseCommand(%q) error: %v", tt.text, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseCommand(%q) mismatch (-want +got):\n%s", tt.text, diff)
		}
		again, err := ParseCommand(got.String())
		if err != nil || again != got {
			t.Errorf("round trip of %q through %q: %+v, %v", tt.text, got.String(), again, err)
		}
	}
}

func TestParseOfficeHoursErrors(t *testing.T) {
	tests := []struct {
		text string
		want UsageError
	}{
		{"mentor frob", UsageError{ProblemUnknownAction, CmdMentor, "frob"}},
		{"mentor edit", UsageError{ProblemMissingMentor, CmdMentor, ""}},
		{"mentor remove   ", UsageError{ProblemMissingMentor, CmdMentor, ""}},
		{"mentor add karim", UsageError{ProblemTooManyArgs, CmdMentor, "karim"}},
		{"mentor list all", UsageError{ProblemTooManyArgs, CmdMentor, "all"}},
		{"slots cancel", UsageError{ProblemMissingSlotID, CmdSlots, ""}},
		{"slots cancel 12", UsageError{ProblemBadSlotID, CmdSlots, "12"}},
		{"slots cancel S012", UsageError{ProblemBadSlotID, CmdSlots, "S012"}},
		{"slots cancel S1234567890", UsageError{ProblemBadSlotID, CmdSlots, "S1234567890"}},
		{"slots cancel S1 S2", UsageError{ProblemTooManyArgs, CmdSlots, "S2"}},
		{"slots book S1", UsageError{ProblemUnknownAction, CmdSlots, "book"}},
	}
	for _, tt := range tests {
		got, err := ParseCommand(tt.text)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("ParseCommand(%q) = %+v, %v; want *UsageError %+v", tt.text, got, err, tt.want)
			continue
		}
		if diff := cmp.Diff(tt.want, *ue); diff != "" {
			t.Errorf("ParseCommand(%q) error mismatch (-want +got):\n%s", tt.text, diff)
		}
	}
}
