package slack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"html"
	"regexp"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/startgate/founderbot/flows"
)

// Broadcaster is what staff broadcasts need from storage; *store.Redis has it.
type Broadcaster interface {
	Enqueue(ctx context.Context, key string, o flows.Outgoing, tag string) (bool, error)
	OutboxCounts(ctx context.Context, tag string) (flows.OutboxCounts, error)
	SaveBroadcastDraft(ctx context.Context, id string, d flows.BroadcastDraft, ttl time.Duration) error
	// TakeBroadcastDraft takes a draft for its author only; anyone else
	// gets flows.ErrNotAuthor, with the draft, which stays.
	TakeBroadcastDraft(ctx context.Context, id, by string) (flows.BroadcastDraft, bool, error)
	LockBroadcast(ctx context.Context, id string, ttl time.Duration) (bool, string, error)
	RefreshBroadcast(ctx context.Context, id string, ttl time.Duration) (bool, error)
	UnlockBroadcast(ctx context.Context, id string) error
	RunningBroadcast(ctx context.Context) (string, error)
}

// Action IDs of a broadcast preview's buttons; their value is the draft's ID.
const (
	actionBroadcastConfirm = "bc_confirm"
	actionBroadcastCancel  = "bc_cancel"
	broadcastBlockID       = "bc_actions"
)

const (
	// draftTTL is how long a preview can be confirmed.
	draftTTL = 30 * time.Minute
	// bcLockTTL is how long the broadcast lock outlives a replica that
	// stopped refreshing it (it died): then another broadcast may start.
	bcLockTTL = 2 * time.Minute
	// bcEvery is how often the progress message is brought up to date,
	// well within chat.update's rate limit.
	bcEvery = 3 * time.Second
	// bcMinRate bounds how long a broadcast is followed: as if the outbox
	// sent no faster than this many messages a second, plus bcSlack.
	bcMinRate = 2
	bcSlack   = 15 * time.Minute
	// audiencePage is how many applications one List call reads for the audience.
	audiencePage = 500
)

// broadcastID is a draft's (and then its broadcast's) ID.
var broadcastID = regexp.MustCompile(`^[0-9a-f]{10}$`)

// broadcasting is the state of staff broadcasts.
type broadcasting struct {
	store Broadcaster
	every time.Duration
	// quit ends the following of broadcasts at shutdown (see Stop).
	quit chan struct{}
	once sync.Once
}

// SetBroadcast enables the broadcast subcommand, on b's outbox and lock.
// Call it before serving requests.
func (s *Staff) SetBroadcast(b Broadcaster) {
	s.bc = &broadcasting{store: b, every: bcEvery, quit: make(chan struct{})}
}

// Stop stops following running broadcasts (their messages still go out
// through the outbox), so that Wait does not wait for them; call it at
// shutdown, before Wait.
func (s *Staff) Stop() {
	if s.bc != nil {
		s.bc.once.Do(func() { close(s.bc.quit) })
	}
}

// recipient is a founder a broadcast goes to, in their language.
type recipient struct {
	founder flows.FounderID
	lang    string
}

// audience lists the founders a draft reaches, each once: with an
// application matching the filters, in the language of their latest
// application; or, for everyone, all of the directory who did not block
// the bot (and applicants it has not seen), filtered by sector if one
// is given.
func (s *Staff) audience(ctx context.Context, d flows.BroadcastDraft) ([]recipient, error) {
	var out []recipient
	seen := map[flows.FounderID]bool{}
	if d.Everyone {
		if s.founders == nil {
			return nil, errNoDirectory
		}
		all, err := s.founders.Founders(ctx)
		if err != nil {
			return nil, err
		}
		var sector map[flows.FounderID]bool
		if d.Sector != "" {
			if sector, err = s.inSector(ctx, d.Sector); err != nil {
				return nil, err
			}
		}
		for _, f := range all {
			seen[f.ID] = true
			if !f.Unreachable && (sector == nil || sector[f.ID]) {
				out = append(out, recipient{founder: f.ID, lang: f.Lang})
			}
		}
		// Applicants who have not written since the directory began
		// are everyone too; the outbox counts those who blocked the bot.
	}
	for skip := 0; ; skip += audiencePage {
		list, total, err := s.review.ListIn(ctx, d.Program, flows.Status(d.Status), skip, audiencePage)
		if err != nil {
			return nil, err
		}
		for _, a := range list { // newest first: the first seen is the latest
			if seen[a.Founder] || (d.Sector != "" && a.Answers["sector"] != d.Sector) {
				continue
			}
			seen[a.Founder] = true
			out = append(out, recipient{founder: a.Founder, lang: a.Lang})
		}
		if len(list) == 0 || skip+len(list) >= total {
			return out, nil
		}
	}
}

// inSector lists the founders with an application in sector.
func (s *Staff) inSector(ctx context.Context, sector string) (map[flows.FounderID]bool, error) {
	out := map[flows.FounderID]bool{}
	for skip := 0; ; skip += audiencePage {
		list, total, err := s.review.List(ctx, "", skip, audiencePage)
		if err != nil {
			return nil, err
		}
		for _, a := range list {
			if a.Answers["sector"] == sector {
				out[a.Founder] = true
			}
		}
		if len(list) == 0 || skip+len(list) >= total {
			return out, nil
		}
	}
}

// filters describes a broadcast's audience and filters to staff.
func (s *Staff) filters(d flows.BroadcastDraft) string {
	st, sc := s.t("staff_bc_any"), s.t("staff_bc_any")
	if d.Status != "" {
		st = s.statusName(flows.Status(d.Status))
	}
	if d.Sector != "" {
		sc = s.choice("sector", d.Sector)
	}
	if d.Everyone {
		return s.t("staff_bc_everyone", "Sector", sc)
	}
	return s.withProgram(s.t("staff_bc_filters", "Status", st, "Sector", sc), d.Program)
}

// broadcast answers `broadcast`: a preview with the audience's size and
// Send / Cancel buttons; the draft waits in the store for Send.
func (s *Staff) broadcast(ctx context.Context, user string, cmd Command) *reply {
	if s.bc == nil {
		return ephemeral(s.t("staff_bc_unavailable"))
	}
	if running, err := s.bc.store.RunningBroadcast(ctx); err != nil || running != "" {
		if err != nil {
			s.log.ErrorContext(ctx, "slack broadcast: lock", "err", err)
			return ephemeral(s.t("staff_internal_error"))
		}
		return ephemeral(s.t("staff_bc_busy", "ID", running))
	}
	d := flows.BroadcastDraft{Everyone: cmd.Everyone, Status: cmd.Status, Sector: cmd.Sector, Program: cmd.Program, Text: cmd.Note, By: user}
	to, err := s.audience(ctx, d)
	if err != nil {
		s.log.ErrorContext(ctx, "slack broadcast: audience", "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	label := s.filters(d)
	if len(to) == 0 {
		return ephemeral(s.t("staff_bc_nobody", "Label", label))
	}
	var b [5]byte
	_, _ = rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	if err := s.bc.store.SaveBroadcastDraft(ctx, id, d, draftTTL); err != nil {
		s.log.ErrorContext(ctx, "slack broadcast: draft", "err", err)
		return ephemeral(s.t("staff_internal_error"))
	}
	head := s.t("staff_bc_preview", "Total", len(to), "Label", label)
	confirm := slackapi.NewButtonBlockElement(actionBroadcastConfirm, id, plain(s.t("staff_bc_btn_confirm"), maxPlainLabel))
	confirm.Style = slackapi.StylePrimary
	cancel := slackapi.NewButtonBlockElement(actionBroadcastCancel, id, plain(s.t("staff_bc_btn_cancel"), maxPlainLabel))
	return ephemeral(head, section(head), section(quote(escAngle(cmd.Note))), contextText(s.t("staff_bc_preview_hint")),
		slackapi.NewActionBlock(broadcastBlockID, confirm, cancel))
}

// broadcastAction handles Send and Cancel on a preview; it reports
// whether the action was one of them.
func (s *Staff) broadcastAction(ctx context.Context, cb *slackapi.InteractionCallback, act *slackapi.BlockAction) bool {
	if act.ActionID != actionBroadcastConfirm && act.ActionID != actionBroadcastCancel {
		return false
	}
	user, channel := cb.User.ID, cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	say := func(text string) { s.notice(ctx, channel, user, cb.ResponseURL, text) }
	// The preview is ephemeral: replacing it through response_url takes
	// its buttons away.
	replace := func(text string) {
		if cb.ResponseURL == "" {
			say(text)
			return
		}
		r := ephemeral(text)
		r.ReplaceOriginal = true
		if err := s.toResponseURL(ctx, cb.ResponseURL, r); err != nil {
			s.log.WarnContext(ctx, "slack broadcast preview not replaced", "err", err)
			say(text)
		}
	}
	if !s.allowed(ctx, user, say) {
		return true
	}
	if s.bc == nil {
		say(s.t("staff_bc_unavailable"))
		return true
	}
	id := act.Value
	if !broadcastID.MatchString(id) {
		s.log.WarnContext(ctx, "slack broadcast action with a bad ID", "value", truncate(id, 32))
		return true
	}
	if act.ActionID == actionBroadcastCancel {
		d, _, err := s.bc.store.TakeBroadcastDraft(ctx, id, user)
		if errors.Is(err, flows.ErrNotAuthor) {
			s.notAuthor(ctx, id, user, d, say)
			return true
		}
		if err != nil {
			s.log.ErrorContext(ctx, "slack broadcast: cancel", "err", err)
			say(s.t("staff_internal_error"))
			return true
		}
		replace(s.t("staff_bc_cancelled"))
		return true
	}
	s.confirmBroadcast(ctx, id, user, say, replace)
	return true
}

// confirmBroadcast starts broadcast id for its author. The draft is
// taken first, so that only the author, and only once, goes on to the
// lock (a second press, or another's, never holds or releases the
// running broadcast's lock); a refused lock puts the draft back.
func (s *Staff) confirmBroadcast(ctx context.Context, id, user string, say, replace func(string)) {
	st := s.bc.store
	d, ok, err := st.TakeBroadcastDraft(ctx, id, user)
	switch {
	case errors.Is(err, flows.ErrNotAuthor):
		s.notAuthor(ctx, id, user, d, say)
		return
	case err != nil:
		s.log.ErrorContext(ctx, "slack broadcast: draft", "err", err)
		say(s.t("staff_internal_error"))
		return
	case !ok:
		replace(s.t("staff_bc_expired"))
		return
	}
	ok, holder, err := st.LockBroadcast(ctx, id, bcLockTTL)
	if err != nil || !ok {
		if serr := st.SaveBroadcastDraft(ctx, id, d, draftTTL); serr != nil {
			s.log.ErrorContext(ctx, "slack broadcast: draft not kept", "broadcast", id, "err", serr)
		}
		if err != nil {
			s.log.ErrorContext(ctx, "slack broadcast: lock", "err", err)
			say(s.t("staff_internal_error"))
			return
		}
		say(s.t("staff_bc_busy", "ID", holder))
		return
	}
	started := false
	defer func() {
		if !started {
			s.unlockBroadcast(ctx, id)
		}
	}()
	to, err := s.audience(ctx, d)
	if err != nil {
		s.log.ErrorContext(ctx, "slack broadcast: audience", "err", err)
		say(s.t("staff_internal_error"))
		return
	}
	label := s.filters(d)
	if len(to) == 0 {
		replace(s.t("staff_bc_nobody", "Label", label))
		return
	}
	p := &progress{id: id, by: user, label: label, text: d.Text, total: len(to)}
	text, blocks := s.progressMessage(p, flows.OutboxCounts{}, s.t("staff_bc_sending"))
	channel, ts, err := s.post(ctx, s.cfg.Channel, slackapi.MsgOptionText(text, false), slackapi.MsgOptionBlocks(blocks...))
	if err != nil {
		s.log.ErrorContext(ctx, "slack broadcast: progress message", "err", err)
		say(s.t("staff_internal_error"))
		return
	}
	p.channel, p.ts = channel, ts
	started = true
	s.log.InfoContext(ctx, "slack broadcast started", "broadcast", id, "by", user, "founders", len(to))
	replace(s.t("staff_bc_started", "ID", id, "Total", len(to)))
	bound := bcSlack + time.Duration(len(to))*time.Second/bcMinRate
	s.goBG(ctx, bound, func(ctx context.Context) { s.runBroadcast(ctx, p, to) })
}

// notAuthor refuses user an action on another's draft, and audits it.
func (s *Staff) notAuthor(ctx context.Context, id, user string, d flows.BroadcastDraft, say func(string)) {
	s.log.WarnContext(ctx, "slack broadcast draft of another refused", "broadcast", id, "by", user, "author", d.By)
	author := s.v(d.By)
	if slackID.MatchString(d.By) {
		author = mention(d.By)
	}
	say(s.t("staff_bc_not_author", "Name", author))
}

func (s *Staff) unlockBroadcast(ctx context.Context, id string) {
	if err := s.bc.store.UnlockBroadcast(context.WithoutCancel(ctx), id); err != nil {
		s.log.ErrorContext(ctx, "slack broadcast: unlock", "broadcast", id, "err", err)
	}
}

// progress is a running broadcast and its message in the staff channel.
type progress struct {
	id, by, label, text string
	total               int
	notQueued           int
	channel, ts         string
}

// founderText is the broadcast as founders read it: staff's words,
// escaped, under a header in the founder's language.
func (s *Staff) founderText(lang, text string) string {
	return s.cat.T(lang, "broadcast_header", "Hub", s.cat.Value(lang, s.cfg.Hub)) + "\n\n" + html.EscapeString(text)
}
