package slacktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// maxUpload bounds what the fake keeps of one uploaded file.
const maxUpload = 32 << 20

// File is a file shared with files.completeUploadExternal.
type File struct {
	ID             string
	Name           string   // filename given to files.getUploadURLExternal
	Length         int      // length declared to files.getUploadURLExternal
	Title          string   // as completed; Slack defaults it to the name
	Channel        string   // channel_id, e.g. a DM's D… ID
	Channels       []string // the comma-separated channels parameter
	ThreadTS       string
	InitialComment string
	Content        []byte // what was POSTed to the upload URL
}

// upload is a file between files.getUploadURLExternal and
// files.completeUploadExternal.
type upload struct {
	file     *File
	uploaded bool
}

func (s *Server) getUploadURL(p params) (map[string]any, string) {
	length, err := strconv.Atoi(p.get("length"))
	if p.get("filename") == "" || err != nil || length <= 0 {
		return nil, "invalid_arguments"
	}
	f := &File{ID: fmt.Sprintf("F%08d", s.next()), Name: p.get("filename"), Length: length}
	s.uploads[f.ID] = &upload{file: f}
	return map[string]any{"upload_url": s.srv.URL + "/upload/" + f.ID, "file_id": f.ID}, ""
}

// serveUpload stores the bytes POSTed to an upload URL: the first file part
// of a multipart body (what slack-go sends) or else the raw body. Like
// Slack's upload URLs it needs no token: the URL itself is the credential.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	content, err := readUpload(w, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.uploads[r.PathValue("file")]
	if !ok {
		http.Error(w, "no such upload", http.StatusNotFound)
		return
	}
	u.file.Content, u.uploaded = content, true
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "OK - %d", len(content))
}

func readUpload(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, maxUpload)
	mediaType, ps, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if !strings.HasPrefix(mediaType, "multipart/") {
		return io.ReadAll(body)
	}
	mr := multipart.NewReader(body, ps["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, errors.New("multipart body without a file")
		}
		if err != nil {
			return nil, fmt.Errorf("read multipart body: %w", err)
		}
		if part.FileName() != "" {
			return io.ReadAll(part)
		}
	}
}

func (s *Server) completeUpload(p params) (map[string]any, string) {
	var summaries []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p.get("files")), &summaries); err != nil || len(summaries) == 0 {
		return nil, "invalid_arguments"
	}
	var done []*File
	for _, sum := range summaries {
		u, ok := s.uploads[sum.ID]
		if !ok || !u.uploaded || slices.Contains(done, u.file) {
			return nil, "file_not_found"
		}
		done = append(done, u.file)
	}
	var channels []string
	if c := p.get("channels"); c != "" {
		channels = strings.Split(c, ",")
	}
	out := make([]map[string]any, 0, len(done))
	for i, f := range done {
		f.Title = summaries[i].Title
		if f.Title == "" {
			f.Title = f.Name
		}
		f.Channel, f.Channels = p.get("channel_id"), channels
		f.ThreadTS, f.InitialComment = p.get("thread_ts"), p.get("initial_comment")
		delete(s.uploads, f.ID)
		s.files = append(s.files, f)
		out = append(out, map[string]any{"id": f.ID, "title": f.Title})
	}
	s.notify()
	return map[string]any{"files": out}, ""
}

// Files returns the files whose upload was completed, in order.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.files))
	for _, f := range s.files {
		c := *f
		c.Content = slices.Clone(f.Content)
		c.Channels = slices.Clone(f.Channels)
		out = append(out, c)
	}
	return out
}

// WaitFiles waits until at least n uploads have been completed and returns
// the files; it fails tb after timeout.
func (s *Server) WaitFiles(tb testing.TB, n int, timeout time.Duration) []File {
	tb.Helper()
	s.wait(tb, timeout, fmt.Sprintf("%d completed uploads", n), func() bool { return len(s.files) >= n })
	return s.Files()
}
