package slack

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/startgate/founderbot/flows"
)

// MaxBroadcast is the longest broadcast message, in characters: with the
// header it stays well within a Telegram message's 4096.
const MaxBroadcast = 3000

// broadcastStatuses are the statuses a broadcast can target: an
// application's, not the list filters' "draft" and "all".
var broadcastStatuses = []flows.Status{flows.StatusSubmitted, flows.StatusShortlisted,
	flows.StatusInfoRequested, flows.StatusAccepted, flows.StatusRejected}

// parseBroadcast reads `broadcast [everyone | status=<s>] [sector=<s>]
// <message...>`: the audience and filters first, each at most once, then
// the message as typed. Without "everyone" the audience is the founders
// who applied; with it, all who started the bot and did not block it.
func parseBroadcast(rest string) (Command, error) {
	c := Command{Name: CmdBroadcast}
	if tok, after := next(rest); asciiLower(tok) == "everyone" {
		c.Everyone, rest = true, after
	}
	for {
		tok, after := next(rest)
		key, val, isFilter := strings.Cut(tok, "=")
		key = asciiLower(key)
		if !isFilter || (key != "status" && key != "sector" && key != "program") {
			break
		}
		if (key == "status" && (c.Status != "" || c.Everyone)) || (key == "sector" && c.Sector != "") ||
			(key == "program" && (c.Program != "" || c.Everyone)) {
			return Command{}, &UsageError{Problem: ProblemTooManyArgs, Sub: CmdBroadcast, Arg: tok}
		}
		val = asciiLower(val)
		switch key {
		case "program":
			if !programID.MatchString(val) {
				return Command{}, &UsageError{Problem: ProblemBadProgram, Sub: CmdBroadcast, Arg: tok}
			}
			c.Program = val
		case "status":
			if !slices.Contains(broadcastStatuses, flows.Status(val)) {
				return Command{}, &UsageError{Problem: ProblemBadStatus, Sub: CmdBroadcast, Arg: tok}
			}
			c.Status = val
		default:
			if !slices.Contains(flows.Sectors, val) {
				return Command{}, &UsageError{Problem: ProblemBadSector, Sub: CmdBroadcast, Arg: tok}
			}
			c.Sector = val
		}
		rest = after
	}
	if c.Note = trim(rest); c.Note == "" {
		return Command{}, &UsageError{Problem: ProblemMissingMessage, Sub: CmdBroadcast}
	}
	if utf8.RuneCountInString(c.Note) > MaxBroadcast {
		return Command{}, &UsageError{Problem: ProblemMessageTooLong, Sub: CmdBroadcast}
	}
	return c, nil
}

// broadcastString renders a broadcast with its filters named. The
// message's first word cannot pass for a filter: ParseCommand would have
// taken it as one, or refused it.
func (c Command) broadcastString() string {
	parts := []string{c.Name}
	if c.Everyone {
		parts = append(parts, "everyone")
	}
	if c.Program != "" {
		parts = append(parts, "program="+c.Program)
	}
	if c.Status != "" {
		parts = append(parts, "status="+c.Status)
	}
	if c.Sector != "" {
		parts = append(parts, "sector="+c.Sector)
	}
	if c.Note != "" {
		parts = append(parts, c.Note)
	}
	return strings.Join(parts, " ")
}
