package slacktest

import (
	"encoding/json"
	"strings"
	"testing"

	slackapi "github.com/slack-go/slack"
)

func TestViews(t *testing.T) {
	s := New(t)
	api := client(s)
	ctx := t.Context()
	modal := slackapi.ModalViewRequest{
		Type:       slackapi.VTModal,
		Title:      slackapi.NewTextBlockObject(slackapi.PlainTextType, "Reject A-7F3K", false, false),
		Blocks:     slackapi.Blocks{BlockSet: []slackapi.Block{section("Why?")}},
		CallbackID: "reject",
		ExternalID: "reject-A-7F3K",
	}
	resp, err := api.OpenViewContext(ctx, "trigger-1", modal)
	if err != nil {
		t.Fatalf("OpenView: %v", err)
	}
	if resp.ID == "" || resp.Hash == "" || resp.CallbackID != "reject" || resp.Title.Text != "Reject A-7F3K" {
		t.Fatalf("OpenView = %+v; want an id, a hash and the view sent", resp.View)
	}
	views := s.Views()
	if len(views) != 1 || views[0].ID != resp.ID || views[0].TriggerID != "trigger-1" || views[0].ExternalID != "reject-A-7F3K" {
		t.Fatalf("Views() = %+v", views)
	}
	var sent slackapi.ModalViewRequest
	if err := json.Unmarshal(views[0].View, &sent); err != nil || sent.CallbackID != "reject" {
		t.Errorf("recorded view %s: %v", views[0].View, err)
	}

	modal.Title.Text = "Rejecting…"
	upd, err := api.UpdateViewContext(ctx, modal, "", resp.Hash, resp.ID)
	if err != nil {
		t.Fatalf("UpdateView: %v", err)
	}
	if upd.ID != resp.ID || upd.Hash == resp.Hash {
		t.Errorf("UpdateView = id %q hash %q; want id %q and a new hash", upd.ID, upd.Hash, resp.ID)
	}
	if v := s.Views()[0]; v.Updates != 1 || !strings.Contains(string(v.View), "Rejecting…") {
		t.Errorf("updated view = %+v (%s)", v, v.View)
	}
	if _, err := api.UpdateViewContext(ctx, modal, "reject-A-7F3K", "", ""); err != nil {
		t.Errorf("UpdateView by external_id: %v", err)
	}

	_, err = api.UpdateViewContext(ctx, modal, "", resp.Hash, resp.ID)
	if got := slackError(t, err); got != "hash_conflict" {
		t.Errorf("stale hash: %q; want hash_conflict", got)
	}
	_, err = api.UpdateViewContext(ctx, modal, "", "", "V404")
	if got := slackError(t, err); got != "not_found" {
		t.Errorf("unknown view: %q; want not_found", got)
	}
	if got := s.WaitViews(t, 1, waitFor); got[0].Updates != 2 {
		t.Errorf("Updates = %d; want 2", got[0].Updates)
	}
}
