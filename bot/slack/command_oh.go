package slack

import (
	"slices"
	"strings"
)

// Actions of the office-hours subcommands, as staff type them and as
// Command.Action holds them.
const (
	ActAdd    = "add"
	ActList   = "list"
	ActEdit   = "edit"
	ActRemove = "remove"
	ActCancel = "cancel"
)

// maxSlotID bounds a slot ID's digits; the store numbers slots from 1.
const maxSlotID = 9

// parseMentor reads `mentor add | list | edit <mentor> | remove <mentor>`;
// a bare `mentor` lists. The mentor is kept as typed (an ID, a name or a
// Slack mention): the office-hours service resolves it.
func parseMentor(rest string) (Command, error) {
	c := Command{Name: CmdMentor, Action: ActList}
	tok, rest := next(rest)
	switch act := asciiLower(tok); act {
	case "":
		return c, nil
	case ActAdd, ActList:
		c.Action = act
		return done(c, rest)
	case ActEdit, ActRemove:
		c.Action, c.Arg = act, trim(rest)
		if c.Arg == "" {
			return Command{}, &UsageError{Problem: ProblemMissingMentor, Sub: CmdMentor}
		}
		return c, nil
	default:
		return Command{}, &UsageError{Problem: ProblemUnknownAction, Sub: CmdMentor, Arg: tok}
	}
}

// parseSlots reads `slots add [spec] | list [mentor] [week] | cancel
// <slot>`; a bare `slots` lists this week's, `slots add` alone opens the
// form. Specs are parsed later, in the hub's time zone, by
// officehours.ParseSlotsAdd and officehours.ParseSlotsList.
func parseSlots(rest string) (Command, error) {
	c := Command{Name: CmdSlots, Action: ActList}
	tok, rest := next(rest)
	switch act := asciiLower(tok); act {
	case "":
		return c, nil
	case ActAdd, ActList:
		c.Action, c.Arg = act, trim(rest)
		return c, nil
	case ActCancel:
		tok, rest := next(rest)
		if tok == "" {
			return Command{}, &UsageError{Problem: ProblemMissingSlotID, Sub: CmdSlots}
		}
		id, ok := NormalizeSlotID(tok)
		if !ok {
			return Command{}, &UsageError{Problem: ProblemBadSlotID, Sub: CmdSlots, Arg: tok}
		}
		c.Action, c.Arg = act, id
		return done(c, rest)
	default:
		return Command{}, &UsageError{Problem: ProblemUnknownAction, Sub: CmdSlots, Arg: tok}
	}
}

// NormalizeSlotID returns s as a slot ID ("S" and a number without
// leading zeros, as the store makes them) and whether it is one.
func NormalizeSlotID(s string) (string, bool) {
	if len(s) < 2 || len(s) > maxSlotID+1 || (s[0] != 'S' && s[0] != 's') || s[1] == '0' || !allDigits(s[1:]) {
		return "", false
	}
	return "S" + s[1:], true
}

// officeHoursString renders a mentor or slots command.
func (c Command) officeHoursString() string {
	parts := []string{c.Name, c.Action}
	if c.Arg != "" {
		parts = append(parts, c.Arg)
	}
	return strings.Join(parts, " ")
}

// ohProblems are the usage problems of the office-hours subcommands,
// whose messages live in the office-hours catalog.
var ohProblems = []string{ProblemUnknownAction, ProblemMissingMentor, ProblemMissingSlotID, ProblemBadSlotID}

// problemID is the message ID that explains a usage problem.
func problemID(problem string) string {
	if slices.Contains(ohProblems, problem) {
		return "staff_oh_err_" + problem
	}
	return "staff_err_" + problem
}

// helpID is the message ID of a subcommand's line in help.
func helpID(name string) string {
	if name == CmdMentor || name == CmdSlots {
		return "staff_oh_help_" + name
	}
	return "staff_help_" + name
}
