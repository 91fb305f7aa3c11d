package officehours

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/input"
)

// Limits of one "slots add".
const (
	MaxSlotsPerRequest = 48
	minSlotLength      = 10 * time.Minute
	maxRoomName        = 80
)

// SlotsRequest is a parsed "slots add": one slot from Start to End, or a
// run of slots of Every minutes between them, in the hub's time zone.
type SlotsRequest struct {
	Mentor     string // as staff typed it: an ID, a name or a Slack mention
	Start, End time.Time
	Every      time.Duration // 0: a single slot
	Place      flows.Place
}

// Slots returns the request's slots, without IDs or mentor yet.
func (r SlotsRequest) Slots() []flows.Slot {
	if r.Every == 0 {
		return []flows.Slot{{Start: r.Start, End: r.End, Place: r.Place}}
	}
	var out []flows.Slot
	// Absolute durations: a run across a clock change keeps its length.
	for s := r.Start; !s.Add(r.Every).After(r.End); s = s.Add(r.Every) {
		out = append(out, flows.Slot{Start: s, End: s.Add(r.Every), Place: r.Place})
	}
	return out
}

// SlotSpecError says what is wrong in a "slots add" or "slots list".
type SlotSpecError struct {
	Problem string // a sentence for staff
}

func (e *SlotSpecError) Error() string { return e.Problem }

func specErr(format string, a ...any) error {
	return &SlotSpecError{Problem: fmt.Sprintf(format, a...)}
}

// SlotsAddUsage is the syntax of "slots add", for staff's help.
const SlotsAddUsage = "slots add <mentor> <YYYY-MM-DD> <HH:MM>-<HH:MM> [every <minutes>] [online <link> | room <name>]"

// ParseSlotsAdd parses the arguments of "slots add", such as
// "Karim Benali 2026-12-03 14:00-17:00 every 30 room Atlas", with times in
// loc. Times that a clock change skips or repeats on that day are refused:
// staff must say which they mean.
func ParseSlotsAdd(args string, loc *time.Location) (SlotsRequest, error) {
	var r SlotsRequest
	f := strings.Fields(args)
	di := -1
	for i := 1; i < len(f); i++ {
		if _, ok := parseDate(f[i]); ok {
			di = i
			break
		}
	}
	if di < 0 {
		if len(f) == 0 {
			return r, specErr("say whose slots they are: %s", SlotsAddUsage)
		}
		return r, specErr("give the date as YYYY-MM-DD after the mentor: %s", SlotsAddUsage)
	}
	r.Mentor = strings.Join(f[:di], " ")
	date, _ := parseDate(f[di])
	rest := f[di+1:]
	j := 0
	for j < len(rest) && isClockToken(rest[j]) {
		j++
	}
	if j == 0 {
		return r, specErr("give the times as HH:MM-HH:MM after the date")
	}
	from, to, ok := strings.Cut(strings.NewReplacer("–", "-", "—", "-").Replace(strings.Join(rest[:j], "")), "-")
	if !ok {
		return r, specErr("give the times as HH:MM-HH:MM, such as 14:00-17:00")
	}
	var err error
	if r.Start, err = localTime(date, from, loc, false); err != nil {
		return r, err
	}
	if r.End, err = localTime(date, to, loc, true); err != nil {
		return r, err
	}
	if !r.End.After(r.Start) {
		return r, specErr("the end (%s) must come after the start (%s)", to, from)
	}
	rest = rest[j:]
	if len(rest) > 0 && strings.EqualFold(rest[0], "every") {
		if len(rest) < 2 {
			return r, specErr("say every how many minutes, such as every 30")
		}
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSuffix(strings.ToLower(rest[1]), "min"), "m"))
		if err != nil || n < 10 || n > 240 {
			return r, specErr("every takes a number of minutes from 10 to 240, not %q", rest[1])
		}
		r.Every = time.Duration(n) * time.Minute
		rest = rest[2:]
	}
	if len(rest) > 0 {
		switch strings.ToLower(rest[0]) {
		case "online":
			if len(rest) != 2 {
				return r, specErr("online takes one link, such as online https://meet.example.com/abc")
			}
			link, p := input.Link(rest[1])
			if p != input.OK {
				return r, specErr("%q is not a web link (http or https)", rest[1])
			}
			r.Place.Link = link
		case "room":
			r.Place.Room = input.Clean(strings.Join(rest[1:], " "), maxRoomName+1)
			if r.Place.Room == "" || utf8.RuneCountInString(r.Place.Room) > maxRoomName {
				return r, specErr("room takes a name of 1 to %d characters", maxRoomName)
			}
		default:
			return r, specErr("unexpected %q: %s", rest[0], SlotsAddUsage)
		}
	}
	return r, r.check()
}

func (r SlotsRequest) check() error {
	length := r.End.Sub(r.Start)
	switch {
	case r.Every == 0 && length < minSlotLength:
		return specErr("a slot lasts at least %d minutes", int(minSlotLength.Minutes()))
	case r.Every == 0 && length > flows.MaxSlotLength:
		return specErr("a slot lasts at most %d hours; use every to make a run of slots", int(flows.MaxSlotLength.Hours()))
	case r.Every > length:
		return specErr("from %s to %s there is no room for a slot of %d minutes",
			r.Start.Format("15:04"), r.End.Format("15:04"), int(r.Every.Minutes()))
	case r.Every > 0 && length/r.Every > MaxSlotsPerRequest:
		return specErr("that makes more than %d slots: add them in several goes", MaxSlotsPerRequest)
	}
	return nil
}

// isClockToken tells the words of "14:00-15:00", "14h - 15h30" from
// what follows them.
func isClockToken(s string) bool {
	return strings.Trim(s, "0123456789:hH-–—") == ""
}

// parseDate reads YYYY-MM-DD, or DD/MM/YYYY as written in Morocco and France.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// parseClock reads 14:00, 9:30, 14h, 14h30 or 14; 24:00 only as an end.
func parseClock(s string, end bool) (h, m int, ok bool) {
	s = strings.ToLower(s)
	hs, ms, found := strings.Cut(s, ":")
	if !found {
		hs, ms, found = strings.Cut(s, "h")
	}
	if found && ms == "" && strings.HasSuffix(s, "h") {
		ms = "00"
	}
	if !found {
		ms = "00"
	}
	if len(hs) < 1 || len(hs) > 2 || len(ms) != 2 || !digits(hs) || !digits(ms) {
		return 0, 0, false
	}
	h, _ = strconv.Atoi(hs)
	m, _ = strconv.Atoi(ms)
	if m > 59 || h > 24 || (h == 24 && (m != 0 || !end)) {
		return 0, 0, false
	}
	return h, m, true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// localTime is the instant of a wall-clock time on a date in loc. A time
// in a clock change's gap or overlap has no single instant: refused.
func localTime(date time.Time, clock string, loc *time.Location, end bool) (time.Time, error) {
	h, m, ok := parseClock(clock, end)
	if !ok {
		return time.Time{}, specErr("%q is not a time such as 14:00", clock)
	}
	y, mo, d := date.Date()
	t := time.Date(y, mo, d, h, m, 0, 0, loc)
	if h == 24 {
		return time.Date(y, mo, d+1, 0, 0, 0, 0, loc), nil
	}
	if t.Hour() != h || t.Minute() != m {
		return time.Time{}, specErr("%s does not exist on %s in %s: the clocks change then", clock, date.Format("2006-01-02"), loc)
	}
	_, off := t.Zone()
	for _, near := range []time.Time{t.Add(-12 * time.Hour), t.Add(12 * time.Hour)} {
		if _, o := near.Zone(); o != off {
			u := t.Add(time.Duration(off-o) * time.Second)
			if u.Hour() == h && u.Minute() == m && u.Day() == d {
				return time.Time{}, specErr("%s happens twice on %s in %s: the clocks go back then; pick another time",
					clock, date.Format("2006-01-02"), loc)
			}
		}
	}
	return t, nil
}

// ParseSlotsList parses the arguments of "slots list [mentor] [week]",
// where week is "this" (the default), "next", a date within the week or
// an ISO week such as 2026-W49. It returns the mentor as typed ("" for
// all) and the week's bounds in loc, Monday 00:00 to Monday 00:00.
func ParseSlotsList(args string, now time.Time, loc *time.Location) (mentor string, from, to time.Time, err error) {
	f := strings.Fields(args)
	week := now
	if n := len(f); n > 0 {
		last := strings.ToLower(f[n-1])
		switch {
		case last == "this":
			f = f[:n-1]
		case last == "next":
			week, f = now.AddDate(0, 0, 7), f[:n-1]
		default:
			if t, ok := parseDate(last); ok {
				week, f = time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, loc), f[:n-1]
			} else if t, ok := parseISOWeek(last, loc); ok {
				week, f = t, f[:n-1]
			}
		}
	}
	from = weekStart(week, loc)
	l := from
	return strings.Join(f, " "), from, time.Date(l.Year(), l.Month(), l.Day()+7, 0, 0, 0, 0, loc), nil
}

// weekStart is Monday 00:00 of t's week in loc.
func weekStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day()-(int(l.Weekday())+6)%7, 0, 0, 0, 0, loc)
}

// parseISOWeek reads "2026-w49" and returns noon on that week's Monday.
func parseISOWeek(s string, loc *time.Location) (time.Time, bool) {
	ys, ws, ok := strings.Cut(s, "-w")
	y, err1 := strconv.Atoi(ys)
	w, err2 := strconv.Atoi(ws)
	if !ok || err1 != nil || err2 != nil || y < 2000 || y > 2200 || w < 1 || w > 53 {
		return time.Time{}, false
	}
	jan4 := time.Date(y, 1, 4, 12, 0, 0, 0, loc) // always in week 1
	monday := jan4.AddDate(0, 0, -(int(jan4.Weekday())+6)%7+7*(w-1))
	if _, got := monday.ISOWeek(); got != w {
		return time.Time{}, false // week 53 of a 52-week year
	}
	return monday, true
}
