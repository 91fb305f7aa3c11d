package slack

import (
	"context"
	"fmt"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
	"github.com/startgate/founderbot/flows/application"
)

// maxDigestItems bounds the applications listed by name in a digest; the
// counts say the rest.
const maxDigestItems = 15

// PostDigest posts the daily digest to the staff channel.
func (s *Staff) PostDigest(ctx context.Context, d application.Digest) error {
	title := s.t("staff_digest_title", "Date", s.date(d.Until))
	blocks := []slackapi.Block{section(title),
		section(s.t("staff_digest_counts", "New", len(d.New), "Answered", len(d.Answered), "Waiting", d.Waiting, "OnFounders", d.OnFounders))}
	list := func(head string, apps []flows.Application) {
		if len(apps) == 0 {
			return
		}
		lines := []string{s.t(head)}
		for _, a := range lastN(apps, maxDigestItems) {
			lines = append(lines, s.t("staff_digest_item", "ID", a.ID, "Startup", s.v(a.Answers["startup"]),
				"Sector", s.choice("sector", a.Answers["sector"]), "Status", s.statusName(a.Status)))
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
	if _, _, err := s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(clip(title, maxFallback), false), slackapi.MsgOptionBlocks(blocks...)); err != nil {
		return fmt.Errorf("post digest: %w", err)
	}
	return nil
}

// PostWeeklyStats posts the application counts to the staff channel.
func (s *Staff) PostWeeklyStats(ctx context.Context) error {
	r := s.stats(ctx)
	if _, _, err := s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(r.Text, false), slackapi.MsgOptionBlocks(r.Blocks...)); err != nil {
		return fmt.Errorf("post weekly stats: %w", err)
	}
	return nil
}
