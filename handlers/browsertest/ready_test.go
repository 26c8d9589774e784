package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/static"
)

// htmxSite serves pages laid out as hotline's (a boosted <body>, htmx and
// app.js) with a long settle delay: for half a second after each swap the
// new content is there but not yet processed by htmx, the window in which
// a click that does not wait is the browser's own.
func htmxSite(t *testing.T) string {
	t.Helper()
	page := func(title, body string) string {
		return `<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">` +
			`<meta name="htmx-config" content='{"defaultSettleDelay":500,"allowEval":false,"historyCacheSize":0}'>` +
			`<title>` + title + `</title>` +
			`<script src="/static/js/htmx.min.js" defer></script><script src="/static/js/app.js" defer></script></head>` +
			`<body hx-boost="true"><div id="page"><h1 id="title">` + title + `</h1>` + body + `</div></body></html>`
	}
	links := `<a id="one" href="/one">one</a> <a id="two" href="/two">two</a> <a id="plain" href="/two" hx-boost="false">plain</a>` +
		`<form method="post" action="/form"><button id="post" type="submit">post</button></form>`
	mux := http.NewServeMux()
	mux.Handle("/static/", http.StripPrefix("/static/", http.FileServer(http.FS(static.Files))))
	for _, p := range []string{"/", "/one", "/two"} {
		name := strings.TrimPrefix(p, "/")
		if name == "" {
			name = "top"
		}
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != p {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, page(name, links))
		})
	}
	mux.HandleFunc("/form", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/two?posted=1", http.StatusSeeOther)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// ClickSwap waits for htmx to settle before the next click, so a click on
// content just swapped in is htmx's, in the same document; ClickNavigate
// follows a page load, also without JavaScript; a swap that turns out to
// be a page load is reported, not hidden.
func TestClickWaitsForHTMX(t *testing.T) {
	t.Parallel()
	site := htmxSite(t)
	ctx := browsertest.New(t, browsertest.Options{})
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if status, err := browsertest.NavigateStatus(ctx, site+"/"); err != nil || status != 200 {
		t.Fatalf("open: %d %v", status, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.sameDocument = true`)); err != nil {
		t.Fatal(err)
	}
	// Each click lands on content the previous swap brought in.
	for i, sel := range []string{"#one", "#two", "#one", "#two"} {
		if err := browsertest.ClickSwap(ctx, sel); err != nil {
			t.Fatalf("click %d (%s): %v", i, sel, err)
		}
		if got, want := text("#title"), strings.TrimPrefix(sel, "#"); got != want {
			t.Fatalf("after click %d: %q, want %q", i, got, want)
		}
	}
	if err := browsertest.ClickSwap(ctx, "#post"); err != nil {
		t.Fatalf("boosted form: %v", err)
	}
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/two?posted=1") {
		t.Errorf("after the boosted form: %s", loc)
	}
	same, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.sameDocument === true`))
	if err != nil || !same {
		t.Fatalf("a swap loaded the page anew (%v)", err)
	}
	ready, err := chromedp.Run(ctx, chromedp.AttributeValue("body", browsertest.ReadyAttribute))
	if err != nil || ready.Value != "6" {
		t.Errorf("%s after the load and 5 swaps: %+v %v", browsertest.ReadyAttribute, ready, err)
	}

	// A link htmx does not take loads the page: ClickNavigate waits for it,
	// Swap says so.
	if status, err := browsertest.ClickNavigate(ctx, "#plain"); err != nil || status != 200 || text("#title") != "two" {
		t.Fatalf("plain link: %d %v", status, err)
	}
	if err := browsertest.ClickSwap(ctx, "#plain"); err == nil || !strings.Contains(err.Error(), "not swapped by htmx") {
		t.Fatalf("ClickSwap of a page load: %v", err)
	}

	// Without JavaScript every click is a page load.
	noJS := browsertest.New(t, browsertest.Options{NoJavaScript: true})
	if err := chromedp.Do(noJS, chromedp.Navigate(site+"/"), browsertest.Ready()); err != nil {
		t.Fatal(err)
	}
	for _, sel := range []string{"#one", "#two", "#post"} {
		if status, err := browsertest.ClickNavigate(noJS, sel); err != nil || status != 200 {
			t.Fatalf("no JavaScript, %s: %d %v", sel, status, err)
		}
	}
	if err := browsertest.Swap(noJS, chromedp.Click("#one")); err == nil {
		t.Fatal("Swap on a page without htmx succeeded")
	}
}
