package slack

import (
	"context"
	"fmt"
	"strings"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
)

// maxDigestItems bounds the applications listed by name in a digest; the
// counts say the rest.
const maxDigestItems = 15

// PostDigest posts the daily digest to the staff channel.
func (s *Staff) PostDigest(ctx context.Context, d application.Digest) error {
	title, blocks := s.digestBlocks(ctx, d, "")
	if _, _, err := s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(clip(title, maxFallback), false), slackapi.MsgOptionBlocks(blocks...)); err != nil {
		return fmt.Errorf("post digest: %w", err)
	}
	return nil
}

// digest answers `digest [program=<id>]`: the digest of the last 24
// hours, for one program or all.
func (s *Staff) digest(ctx context.Context, program string) *reply {
	now := s.cfg.Now()
	d, err := s.review.DigestIn(ctx, now.Add(-24*time.Hour), now, program)
	if err != nil {
		s.log.ErrorContext(ctx, "slack digest", "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	title, blocks := s.digestBlocks(ctx, d, program)
	return ephemeral(title, blocks...)
}

// digestBlocks renders a digest, of one program when program is set.
func (s *Staff) digestBlocks(ctx context.Context, d application.Digest, program string) (string, []slackapi.Block) {
	title := s.t("staff_digest_title", "Date", s.date(d.Until))
	if program != "" {
		title = s.t("staff_stats_program", "Program", s.programName(program)) + "\n" + title
	}
	blocks := []slackapi.Block{section(title),
		section(s.t("staff_digest_counts", "New", len(d.New), "Answered", len(d.Answered), "Waiting", d.Waiting, "OnFounders", d.OnFounders))}
	if line := s.newByProgram(d.New); program == "" && line != "" {
		blocks = append(blocks, contextText(line))
	}
	list := func(head string, apps []flows.Application) {
		if len(apps) == 0 {
			return
		}
		lines := []string{s.t(head)}
		for _, a := range lastN(apps, maxDigestItems) {
			sector := s.choice("sector", a.Answers["sector"])
			if len(a.Questions) > 0 { // an application to a program: which
				sector = s.programName(a.ProgramOf())
			}
			lines = append(lines, s.t("staff_digest_item", "ID", a.ID, "Startup", s.v(appTitle(a)),
				"Sector", sector, "Status", s.statusName(a.Status)))
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	list("staff_digest_new", d.New)
	list("staff_digest_answered", d.Answered)
	if len(d.Sessions) > 0 {
		lines := []string{s.t("staff_digest_sessions")}
		for _, l := range lastN(d.Sessions, maxDigestItems) {
			if l.Booking == nil {
				continue
			}
			lines = append(lines, s.t("staff_digest_session", "When", s.when(l.Start, l.End),
				"Mentor", s.mentorName(l.Mentor, l.Slot.Mentor), "Founder", s.founderLabel(*l.Booking)))
		}
		blocks = append(blocks, section(strings.Join(lines, "\n")))
	}
	intros := s.introDigest(ctx)
	blocks = append(blocks, intros...)
	if len(d.New)+len(d.Answered)+d.Waiting+d.OnFounders+len(d.Sessions)+len(intros) == 0 {
		blocks = append(blocks, section(s.t("staff_digest_quiet")))
	}
	return title, blocks
}

// PostWeeklyStats posts the application counts to the staff channel.
func (s *Staff) PostWeeklyStats(ctx context.Context) error {
	r := s.stats(ctx, "")
	if _, _, err := s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(r.Text, false), slackapi.MsgOptionBlocks(r.Blocks...)); err != nil {
		return fmt.Errorf("post weekly stats: %w", err)
	}
	return nil
}

// newByProgram counts new applications by program, when they went to
// more than one; "" otherwise.
func (s *Staff) newByProgram(apps []flows.Application) string {
	var order []string
	n := map[string]int{}
	for _, a := range apps {
		p := a.ProgramOf()
		if n[p] == 0 {
			order = append(order, p)
		}
		n[p]++
	}
	if len(order) < 2 {
		return ""
	}
	parts := make([]string, len(order))
	for i, p := range order {
		parts[i] = s.t("staff_stats_line", "Label", s.programName(p), "N", n[p])
	}
	return s.t("staff_digest_by_program", "Value", strings.Join(parts, " "))
}
