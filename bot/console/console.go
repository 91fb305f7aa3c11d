// Package console lets a person chat with founderbot in a terminal as a
// founder: the same flows as on Telegram, buttons shown as numbered choices.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/startgate/founderbot/flows"
)

// Engine is what the console needs from the flows engine.
type Engine interface {
	Handle(ctx context.Context, ev flows.Event) (flows.Result, error)
	ErrorReply(lang string) flows.Reply
	Catalog() *flows.Catalog
}

// Founder is who the console chats as.
const Founder flows.FounderID = "console:local"

// Console is a founder chat on a terminal.
type Console struct {
	eng  Engine
	in   io.Reader
	out  io.Writer
	lang string
	// buttons of the latest reply that had any, in the order shown
	buttons  []flows.Button
	freeText bool
}

// New returns a console reading the founder's lines from in and writing the bot's replies to out.
func New(eng Engine, in io.Reader, out io.Writer) *Console {
	return &Console{eng: eng, in: in, out: out}
}

// Run starts with /start and chats until in ends or ctx is done.
func (c *Console) Run(ctx context.Context) error {
	cat := c.eng.Catalog()
	fmt.Fprintln(c.out, flows.PlainText(cat.T(cat.Default(), "console_banner")))
	if err := c.send(ctx, flows.Event{Founder: Founder, Kind: flows.KindCommand, Command: "start"}); err != nil {
		return err
	}
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() { // Scan blocks; a goroutine lets Run return when ctx ends.
		sc := bufio.NewScanner(c.in)
		sc.Buffer(make([]byte, 0, 4096), 64*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
	}()
	for {
		fmt.Fprint(c.out, "> ")
		select {
		case <-ctx.Done():
			fmt.Fprintln(c.out)
			return nil
		case err := <-errc:
			fmt.Fprintln(c.out)
			return err
		case line := <-lines:
			if strings.TrimSpace(line) == "" {
				continue
			}
			if err := c.send(ctx, c.event(line)); err != nil {
				return err
			}
		}
	}
}

// event reads a typed line: a command, a choice by number, or text. A bare
// number is a choice only when the question takes no typed answer
// (so "3" stays a team size); "#3" always is.
func (c *Console) event(line string) flows.Event {
	line = strings.TrimSpace(line)
	ev := flows.Event{Founder: Founder}
	if strings.HasPrefix(line, "/") {
		name, arg, _ := strings.Cut(line[1:], " ")
		ev.Kind, ev.Command, ev.Arg = flows.KindCommand, strings.ToLower(name), strings.TrimSpace(arg)
		return ev
	}
	num, hashed := strings.CutPrefix(line, "#")
	if n, err := strconv.Atoi(num); err == nil && (hashed || !c.freeText) && n >= 1 && n <= len(c.buttons) {
		ev.Kind, ev.Data = flows.KindButton, c.buttons[n-1].Data
		return ev
	}
	ev.Kind, ev.Text = flows.KindText, line
	return ev
}

func (c *Console) send(ctx context.Context, ev flows.Event) error {
	res, err := c.eng.Handle(ctx, ev)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		c.print(c.eng.ErrorReply(c.lang))
		return fmt.Errorf("console: %w", err)
	}
	c.lang = res.Lang
	if res.Notice != "" {
		fmt.Fprintf(c.out, "(%s)\n", res.Notice)
	}
	for _, r := range res.Replies {
		c.print(r)
	}
	for _, d := range res.Documents() {
		fmt.Fprintf(c.out, "\n📎 %s (%d bytes)\n", d.Name, len(d.Data))
	}
	return nil
}

func (c *Console) print(r flows.Reply) {
	fmt.Fprintln(c.out)
	fmt.Fprintln(c.out, flows.PlainText(r.Text))
	if len(r.Buttons) == 0 {
		return
	}
	c.buttons, c.freeText = c.buttons[:0], r.FreeText
	mark := ""
	if r.FreeText {
		mark = "#"
	}
	for _, row := range r.Buttons {
		var parts []string
		for _, b := range row {
			c.buttons = append(c.buttons, b)
			parts = append(parts, fmt.Sprintf("[%s%d] %s", mark, len(c.buttons), b.Label))
		}
		fmt.Fprintln(c.out, "  "+strings.Join(parts, "   "))
	}
}
