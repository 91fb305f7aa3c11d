package telegram

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"time"
)

// bufferedClient sends each request body in one piece. go-telegram builds
// every Bot API call as multipart through an io.Pipe (raw_request.go), so
// net/http would send it chunked, one write and system call per form part;
// read into memory first, with its length known, the request leaves in one
// write. Measured with BenchmarkProcess (see README, Performance).
//
// The buffer is not pooled: net/http may close a request body from another
// goroutine while its write loop still reads it, and a reused buffer could
// then go out on that connection.
type bufferedClient struct{ c *http.Client }

func (b bufferedClient) Do(req *http.Request) (*http.Response, error) {
	if req.Body == nil || req.Body == http.NoBody || req.ContentLength > 0 {
		return b.c.Do(req)
	}
	var buf bytes.Buffer
	buf.Grow(2 << 10) // a sendMessage with a keyboard fits
	_, err := buf.ReadFrom(req.Body)
	req.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	data := buf.Bytes()
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	req.ContentLength = int64(len(data))
	return b.c.Do(req)
}

// apiClient is the HTTP client for Bot API calls. net/http keeps two idle
// connections per host by default: with many chats' workers sending at
// once, every other call would open a new connection and close it after
// (a TCP handshake and a TIME_WAIT socket per reply). Keep one per worker.
func apiClient(workers int) bufferedClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = workers
	return bufferedClient{&http.Client{Timeout: callTimeout, Transport: tr}}
}

// callTimeout bounds one Bot API call other than getUpdates.
const callTimeout = 30 * time.Second
