package slack

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseBroadcast(t *testing.T) {
	long := strings.Repeat("é", MaxBroadcast)
	tests := []struct {
		text string
		want Command
	}{
		{"broadcast Hello", Command{Name: CmdBroadcast, Note: "Hello"}},
		{"broadcast  Hello <all> & welcome\nsee you  ", Command{Name: CmdBroadcast, Note: "Hello <all> & welcome\nsee you"}},
		{"broadcast status=submitted Hi", Command{Name: CmdBroadcast, Status: "submitted", Note: "Hi"}},
		{"BROADCAST Status=Accepted SECTOR=FinTech Hi", Command{Name: CmdBroadcast, Status: "accepted", Sector: "fintech", Note: "Hi"}},
		{"broadcast sector=smart_cities status=info_requested Hi", Command{Name: CmdBroadcast, Status: "info_requested", Sector: "smart_cities", Note: "Hi"}},
		// Filters come first: later ones are part of the message.
		{"broadcast Hi status=accepted", Command{Name: CmdBroadcast, Note: "Hi status=accepted"}},
		{"broadcast a=b", Command{Name: CmdBroadcast, Note: "a=b"}},
		{"broadcast " + long, Command{Name: CmdBroadcast, Note: long}},
	}
	for _, tt := range tests {
		got, err := ParseCommand(tt.text)
		if err != nil {
			t.Errorf("ParseCommand(%q) error: %v", clip(tt.text, 60), err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseCommand(%q) mismatch (-want +got):\n%s", clip(tt.text, 60), diff)
		}
		again, err := ParseCommand(got.String())
		if err != nil || again != got {
			t.Errorf("round trip of %q = %+v, %v; want %+v", clip(got.String(), 60), again, err, got)
		}
	}
}

func TestParseBroadcastErrors(t *testing.T) {
	tests := []struct {
		text string
		want UsageError
	}{
		{"broadcast", UsageError{ProblemMissingMessage, CmdBroadcast, ""}},
		{"broadcast status=accepted  \n", UsageError{ProblemMissingMessage, CmdBroadcast, ""}},
		{"broadcast status=pending Hi", UsageError{ProblemBadStatus, CmdBroadcast, "status=pending"}},
		{"broadcast status=draft Hi", UsageError{ProblemBadStatus, CmdBroadcast, "status=draft"}},
		{"broadcast status=all Hi", UsageError{ProblemBadStatus, CmdBroadcast, "status=all"}},
		{"broadcast status= Hi", UsageError{ProblemBadStatus, CmdBroadcast, "status="}},
		{"broadcast sector=space Hi", UsageError{ProblemBadSector, CmdBroadcast, "sector=space"}},
		{"broadcast status=accepted status=rejected Hi", UsageError{ProblemTooManyArgs, CmdBroadcast, "status=rejected"}},
		{"broadcast sector=fintech Sector=energy Hi", UsageError{ProblemTooManyArgs, CmdBroadcast, "Sector=energy"}},
		{"broadcast " + strings.Repeat("a", MaxBroadcast+1), UsageError{ProblemMessageTooLong, CmdBroadcast, ""}},
	}
	for _, tt := range tests {
		got, err := ParseCommand(tt.text)
		var ue *UsageError
		if !errors.As(err, &ue) {
			t.Errorf("ParseCommand(%q) = %+v, %v; want *UsageError %+v", clip(tt.text, 60), got, err, tt.want)
			continue
		}
		if diff := cmp.Diff(tt.want, *ue); diff != "" {
			t.Errorf("ParseCommand(%q) error mismatch (-want +got):\n%s", clip(tt.text, 60), diff)
		}
	}
}
