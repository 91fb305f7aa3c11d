package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds request bodies; the real server accepts uploads up to 50 MB.
const maxBody = 50 << 20

// Call is one request the server answered.
type Call struct {
	Method string
	// Params holds every parameter as its form-field text: strings as they are,
	// numbers and booleans as literals, objects and arrays (reply_markup, entities,
	// commands) as JSON, whatever encoding the client used.
	Params map[string]string
	// Files holds multipart file uploads by field name.
	Files  map[string]File
	Time   time.Time
	Status int    // HTTP status answered: 200, or the error_code
	Error  string // description of an error answer
}

// File is an uploaded file.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// OK reports whether the call succeeded.
func (c Call) OK() bool { return c.Status == http.StatusOK }

// String returns parameter name, or "" if absent.
func (c Call) String(name string) string { return c.Params[name] }

// Int returns parameter name as an integer, or 0 if absent or not a number.
func (c Call) Int(name string) int64 {
	n, _ := strconv.ParseInt(c.Params[name], 10, 64)
	return n
}

// Bool returns parameter name as a boolean.
func (c Call) Bool(name string) bool {
	b, _ := strconv.ParseBool(c.Params[name])
	return b
}

// Decode unmarshals the JSON parameter name (such as reply_markup) into v.
func (c Call) Decode(name string, v any) error {
	return json.Unmarshal([]byte(c.Params[name]), v)
}

func (c Call) clone() Call {
	c.Params = maps.Clone(c.Params)
	c.Files = maps.Clone(c.Files)
	return c
}

// request is a decoded Bot API request.
type request struct {
	params map[string]string
	files  map[string]File
}

func (r *request) str(name string) string { return r.params[name] }

func (r *request) has(name string) bool {
	_, ok := r.params[name]
	return ok
}

// int reads an integer parameter; a JSON float such as 30.0 is truncated.
func (r *request) int(name string) (int64, bool) {
	v := strings.TrimSpace(r.params[name])
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return int64(f), true
}

func (r *request) bool(name string) bool {
	b, _ := strconv.ParseBool(r.params[name])
	return b
}

// parseRequest decodes the query string and a multipart, JSON or urlencoded body into
// one flat map, as the real server does. It always returns a request, so that even a
// malformed one is recorded.
func parseRequest(r *http.Request) (*request, *apiError) {
	req := &request{params: map[string]string{}, files: map[string]File{}}
	for k, v := range r.URL.Query() {
		req.params[k] = v[0]
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return req, badRequest("can't read request body")
	}
	if len(body) > maxBody {
		return req, &apiError{Code: http.StatusRequestEntityTooLarge, Description: "Request Entity Too Large"}
	}
	// go-telegram sends a multipart content type with an empty body when a method has
	// no parameters.
	if len(bytes.TrimSpace(body)) == 0 {
		return req, nil
	}
	mediaType, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "multipart/form-data":
		return req, req.readMultipart(body, ctParams["boundary"])
	case "application/json":
		return req, req.readJSON(body)
	default:
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return req, badRequest("can't parse request body")
		}
		for k, v := range values {
			req.params[k] = v[0]
		}
		return req, nil
	}
}

func (req *request) readMultipart(body []byte, boundary string) *apiError {
	form, err := multipart.NewReader(bytes.NewReader(body), boundary).ReadForm(maxBody)
	if err != nil {
		return badRequest("can't parse multipart form: %v", err)
	}
	defer func() { _ = form.RemoveAll() }()
	for k, v := range form.Value {
		req.params[k] = v[0]
	}
	for k, fhs := range form.File {
		f, err := fhs[0].Open()
		if err != nil {
			return badRequest("can't read file %s", k)
		}
		data, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			return badRequest("can't read file %s", k)
		}
		req.files[k] = File{Name: fhs[0].Filename, ContentType: fhs[0].Header.Get("Content-Type"), Data: data}
	}
	return nil
}

func (req *request) readJSON(body []byte) *apiError {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return badRequest("can't parse JSON object")
	}
	for k, raw := range fields {
		raw = bytes.TrimSpace(raw)
		switch {
		case bytes.Equal(raw, []byte("null")):
		case len(raw) > 0 && raw[0] == '"':
			var str string
			if err := json.Unmarshal(raw, &str); err != nil {
				return badRequest("can't parse JSON object")
			}
			req.params[k] = str
		default:
			req.params[k] = string(raw)
		}
	}
	return nil
}
