package slacktest

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	slackapi "github.com/slack-go/slack"
)

func TestUploadFile(t *testing.T) {
	s := New(t)
	api := client(s)
	ctx := t.Context()
	dm, _, _, err := api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{"U1"}})
	if err != nil {
		t.Fatal(err)
	}
	csv := "id,startup,status\nA-7F3K,Acme,accepted\n"
	sum, err := api.UploadFileContext(ctx, slackapi.UploadFileParameters{
		Filename: "applications.csv", FileSize: len(csv), Reader: strings.NewReader(csv),
		Title: "Applications export", Channel: dm.ID, InitialComment: "Here you go",
	})
	if err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	if sum.ID == "" || sum.Title != "Applications export" {
		t.Errorf("UploadFile = %+v", sum)
	}
	_, err = api.UploadFileContext(ctx, slackapi.UploadFileParameters{
		Filename: "notes.txt", FileSize: 5, Content: "hello", Channels: []string{"C1", "C2"}, ThreadTimestamp: "1.000001",
	})
	if err != nil {
		t.Fatalf("UploadFile with Content: %v", err)
	}

	want := []File{
		{ID: sum.ID, Name: "applications.csv", Length: len(csv), Title: "Applications export", Channel: dm.ID,
			InitialComment: "Here you go", Content: []byte(csv)},
		{Name: "notes.txt", Length: 5, Title: "notes.txt", Channels: []string{"C1", "C2"}, ThreadTS: "1.000001", Content: []byte("hello")},
	}
	got := s.WaitFiles(t, 2, waitFor)
	if len(got) == 2 {
		want[1].ID = got[1].ID
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Files() mismatch (-want +got):\n%s", diff)
	}
	if s.Calls("files.getUploadURLExternal") != 2 || s.Calls("files.completeUploadExternal") != 2 {
		t.Errorf("calls: %d getUploadURLExternal, %d completeUploadExternal; want 2 each",
			s.Calls("files.getUploadURLExternal"), s.Calls("files.completeUploadExternal"))
	}
}

func TestCompleteUploadNeedsUploadedBytes(t *testing.T) {
	s := New(t)
	api := client(s)
	ctx := t.Context()
	u, err := api.GetUploadURLExternalContext(ctx, slackapi.GetUploadURLExternalParameters{FileName: "a.txt", FileSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.UploadURL, s.URL()+"/") {
		t.Errorf("upload_url %q does not point at the fake %s", u.UploadURL, s.URL())
	}
	_, err = api.CompleteUploadExternalContext(ctx, slackapi.CompleteUploadExternalParameters{Files: []slackapi.FileSummary{{ID: u.FileID}}})
	if got := slackError(t, err); got != "file_not_found" {
		t.Errorf("complete before upload: %q; want file_not_found", got)
	}
	if len(s.Files()) != 0 {
		t.Errorf("Files() = %+v; want none", s.Files())
	}
}

func TestUploadURLRejectsUnknownFile(t *testing.T) {
	s := New(t)
	resp, err := http.Post(s.URL()+"/upload/F404", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("status = %d; want 404", resp.StatusCode)
	}
}
