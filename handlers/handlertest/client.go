package handlertest

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Client is a browser without JavaScript on app.Test: it keeps cookies and
// the last page's CSRF token.
type Client struct {
	env     *Env
	Cookies map[string]string
	CSRF    string
	Headers map[string]string
}

// Client is a new anonymous browser.
func (e *Env) Client() *Client {
	return &Client{env: e, Cookies: map[string]string{}, Headers: map[string]string{}}
}

// Response is what a request answered.
type Response struct {
	Status   int
	Body     string
	Header   http.Header
	Location string
}

// CSRFPattern finds a form's token in a page.
var CSRFPattern = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// CSRFOf is the first form token of a page ("" when none).
func CSRFOf(res Response) string {
	if m := CSRFPattern.FindStringSubmatch(res.Body); m != nil {
		return m[1]
	}
	return ""
}

// Do sends a request with the client's cookies and headers.
func (c *Client) Do(method, path string, body io.Reader, contentType string) Response {
	c.env.T.Helper()
	req := httptest.NewRequest(method, path, body)
	req.Host = "localhost"
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range c.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, v := range c.Headers {
		req.Header.Set(k, v)
	}
	res, err := c.env.App().Test(req, 30000)
	if err != nil {
		c.env.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.Cookies, ck.Name)
		} else {
			c.Cookies[ck.Name] = ck.Value
		}
	}
	out := Response{Status: res.StatusCode, Body: string(data), Header: res.Header, Location: res.Header.Get("Location")}
	if tok := CSRFOf(out); tok != "" {
		c.CSRF = tok
	}
	return out
}

// Get fetches a page.
func (c *Client) Get(path string) Response { return c.Do(http.MethodGet, path, nil, "") }

// Post sends a form with the current CSRF token (fetching a page first when
// the client has none yet).
func (c *Client) Post(path string, form url.Values) Response {
	c.env.T.Helper()
	if c.CSRF == "" {
		c.Get("/login")
	}
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		form.Set("_csrf", c.CSRF)
	}
	return c.Do(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// PostNoCSRF sends a form without a token.
func (c *Client) PostNoCSRF(path string, form url.Values) Response {
	return c.Do(http.MethodPost, path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

// File is one file of a multipart form.
type File struct {
	Field, Name string
	Data        []byte
}

// PostMultipart sends a multipart form (fields and files) with the current
// CSRF token.
func (c *Client) PostMultipart(path string, form url.Values, files ...File) Response {
	c.env.T.Helper()
	if c.CSRF == "" {
		c.Get("/login")
	}
	body, ct := Multipart(c.env.T, form, c.CSRF, files...)
	return c.Do(http.MethodPost, path, body, ct)
}

// Multipart encodes a multipart form; csrf is added as _csrf unless the
// form has one.
func Multipart(t testing.TB, form url.Values, csrf string, files ...File) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if _, ok := form["_csrf"]; !ok && csrf != "" {
		_ = w.WriteField("_csrf", csrf)
	}
	for k, vs := range form {
		for _, v := range vs {
			_ = w.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, err := w.CreateFormFile(f.Field, f.Name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(f.Data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, w.FormDataContentType()
}

// LoginAs logs a client in (certificate mode off or optional) and follows
// the login's redirect once.
func (e *Env) LoginAs(t testing.TB, id, password string) *Client {
	t.Helper()
	c := e.Client()
	res := c.Post("/login", url.Values{"id": {id}, "password": {password}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("login %s: status %d\n%s", id, res.Status, Snippet(res.Body))
	}
	c.Get(res.Location)
	return c
}

// LoginOperator creates admin (password already changed) and logs in.
func (e *Env) LoginOperator(t testing.TB) *Client {
	t.Helper()
	e.EnsureOperator(t)
	return e.LoginAs(t, "admin", OperatorPassword)
}

// Snippet is the main part of a page, short enough for a failure message.
func Snippet(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 1500 {
		s = s[:1500]
	}
	return s
}
