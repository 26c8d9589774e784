package handlertest

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// Scenario is one row of a handler table test.
type Scenario struct {
	Name   string
	Method string // GET by default
	Path   string
	Form   url.Values
	NoCSRF bool

	WantStatus   int
	WantContains []string
	WantAbsent   []string
	WantLocation string
	// WantHeaders are exact header values.
	WantHeaders map[string]string
	// WantNoBody: the answer has no body (HEAD).
	WantNoBody bool
	// WantMatch are regular expressions the body must match (e.g. a
	// message inside its field's error element).
	WantMatch []string
}

// Run executes the scenario with client c and checks what it answered.
func (sc Scenario) Run(t *testing.T, c *Client) Response {
	t.Helper()
	var res Response
	switch {
	case sc.Method == "" || sc.Method == http.MethodGet:
		res = c.Get(sc.Path)
	case sc.Method == http.MethodPost && sc.NoCSRF:
		res = c.PostNoCSRF(sc.Path, sc.Form)
	case sc.Method == http.MethodPost:
		res = c.Post(sc.Path, sc.Form)
	default:
		res = c.Do(sc.Method, sc.Path, nil, "")
	}
	if sc.WantStatus != 0 && res.Status != sc.WantStatus {
		t.Errorf("%s: status %d, want %d\n%s", sc.Name, res.Status, sc.WantStatus, Snippet(res.Body))
	}
	for _, s := range sc.WantContains {
		if !strings.Contains(res.Body, s) {
			t.Errorf("%s: body lacks %q\n%s", sc.Name, s, Snippet(res.Body))
		}
	}
	for _, s := range sc.WantAbsent {
		if strings.Contains(res.Body, s) {
			t.Errorf("%s: body has %q", sc.Name, s)
		}
	}
	for _, p := range sc.WantMatch {
		if !regexp.MustCompile(p).MatchString(res.Body) {
			t.Errorf("%s: body does not match %s\n%s", sc.Name, p, Snippet(res.Body))
		}
	}
	if sc.WantLocation != "" && res.Location != sc.WantLocation {
		t.Errorf("%s: Location %q, want %q", sc.Name, res.Location, sc.WantLocation)
	}
	for k, v := range sc.WantHeaders {
		if got := res.Header.Get(k); got != v {
			t.Errorf("%s: %s %q, want %q", sc.Name, k, got, v)
		}
	}
	if sc.WantNoBody && res.Body != "" {
		t.Errorf("%s: body of %d bytes, want none", sc.Name, len(res.Body))
	}
	return res
}

// RunAll runs every scenario as a subtest with the client client gives it.
func RunAll(t *testing.T, scenarios []Scenario, client func(Scenario) *Client) {
	t.Helper()
	for _, sc := range scenarios {
		t.Run(sc.Name, func(t *testing.T) { sc.Run(t, client(sc)) })
	}
}
