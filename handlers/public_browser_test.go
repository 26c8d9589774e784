package handlers

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"hotline/handlers/browsertest"
	"hotline/handlers/web"
)

// TestPortalInBrowser walks the public pages in real headless Chromium, with
// JavaScript (htmx-boosted) and without: portal top → guide → inquiry form,
// a 422 message beside the field, a CSRF rejection, and a stored inquiry.
func TestPortalInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	for _, js := range []bool{true, false} {
		name := "javascript"
		if !js {
			name = "no-javascript"
		}
		t.Run(name, func(t *testing.T) {
			env := newTestEnv(t, web.CertRequired)
			origin := env.Listen(t)
			caPEM, err := env.DB.ServerCAPEM()
			if err != nil {
				t.Fatal(err)
			}
			ctx := browsertest.New(t, browsertest.Options{Origin: origin, ServerCAPEM: caPEM, NoJavaScript: !js})

			// Portal top.
			if status, err := browsertest.NavigateStatus(ctx, origin+"/"); err != nil || status != 200 {
				t.Fatalf("portal top: %d %v", status, err)
			}
			menu, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="portal-menu"]`))
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"ログイン", "利用申込", "問合せフォーム", "サービスガイド"} {
				if !strings.Contains(menu, want) {
					t.Errorf("portal menu lacks %s: %q", want, menu)
				}
			}
			contact, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="contact"]`))
			if !strings.Contains(contact, "お問合せ先") {
				t.Errorf("contact block: %q", contact)
			}

			if js {
				// htmx runs with the CSP-safe configuration from the meta tag.
				cfg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`JSON.stringify([typeof htmx, htmx.config.allowEval, htmx.config.historyCacheSize, htmx.config.includeIndicatorStyles])`))
				if err != nil || cfg != `["object",false,0,false]` {
					t.Fatalf("htmx config: %s %v", cfg, err)
				}
			}

			// Guide, by clicking the tile (a boosted swap with JavaScript).
			if err := chromedp.Do(ctx, chromedp.Click(`[data-testid="portal-menu"] a[href="/guide"]`),
				chromedp.WaitVisible(`a[href="/guide/certificate"]`)); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Click(`ul.tabs a[href="/guide/certificate"]`),
				chromedp.WaitVisible(`#firefox`)); err != nil {
				t.Fatal(err)
			}
			guide, _ := chromedp.Run(ctx, chromedp.Text(`main`))
			for _, want := range []string{"Windows", "macOS", "Firefox", "1PCにつき1つ"} {
				if !strings.Contains(guide, want) {
					t.Errorf("certificate guide lacks %s", want)
				}
			}
			title, _ := chromedp.Run(ctx, chromedp.Title())
			if !strings.Contains(title, "サービスガイド") {
				t.Errorf("title after navigation: %q", title)
			}

			// Inquiry form: empty name → 422 with the message beside it.
			if status, err := browsertest.NavigateStatus(ctx, origin+"/inquiry"); err != nil || status != 200 {
				t.Fatalf("inquiry form: %d %v", status, err)
			}
			if err := chromedp.Do(ctx,
				chromedp.SetValue("#email", "hanako@example.jp"),
				chromedp.SetValue("#subject", "申込について"),
				chromedp.SetValue("#body", "送付先を教えてください。"),
			); err != nil {
				t.Fatal(err)
			}
			submit := chromedp.Click(`form[action="/inquiry"] button[type=submit]`)
			if js {
				if err := chromedp.Do(ctx, submit, chromedp.WaitVisible(`[data-testid="error-name"]`)); err != nil {
					t.Fatal(err)
				}
			} else if status, err := browsertest.ActionStatus(ctx, submit); err != nil || status != 422 {
				t.Fatalf("empty name: %d %v", status, err)
			}
			msg, err := chromedp.Run(ctx, chromedp.Text(`[data-testid="error-name"]`))
			if err != nil || !strings.Contains(msg, "お名前を入力してください") {
				t.Fatalf("message beside the name: %q %v", msg, err)
			}
			kept, _ := chromedp.Run(ctx, chromedp.Value("#subject"))
			if kept != "申込について" {
				t.Errorf("values not kept: subject %q", kept)
			}

			// A forged token is refused with 403 (without JavaScript the form
			// field is the only token sent; with it, the htmx header too).
			if err := chromedp.Do(ctx, chromedp.SetValue("#name", "山田 花子"),
				chromedp.SetValue(`input[name="_csrf"]`, "a.forged")); err != nil {
				t.Fatal(err)
			}
			if js {
				if err := chromedp.Do(ctx, chromedp.SetAttributeValue(`#page`, "hx-headers", `{"X-CSRF-Token":"a.forged"}`),
					submit, chromedp.WaitVisible(`[data-testid="error-page"]`)); err != nil {
					t.Fatal(err)
				}
			} else if status, err := browsertest.ActionStatus(ctx, submit); err != nil || status != 403 {
				t.Fatalf("forged CSRF token: %d %v", status, err)
			}
			page, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="error-page"]`))
			if !strings.Contains(page, "不正な送信") {
				t.Fatalf("CSRF rejection page: %q", page)
			}
			if qs, _ := env.DB.Inquiries(""); len(qs) != 0 {
				t.Fatal("a refused form was stored")
			}

			// A fresh form goes through.
			if status, err := browsertest.NavigateStatus(ctx, origin+"/inquiry"); err != nil || status != 200 {
				t.Fatalf("inquiry form: %d %v", status, err)
			}
			if err := chromedp.Do(ctx,
				chromedp.SetValue("#name", "山田 花子"),
				chromedp.SetValue("#email", "hanako@example.jp"),
				chromedp.SetValue("#subject", "申込について"),
				chromedp.SetValue("#body", "送付先を教えてください。"),
			); err != nil {
				t.Fatal(err)
			}
			if js {
				if err := chromedp.Do(ctx, submit, chromedp.WaitVisible(`[data-testid="inquiry-number"]`)); err != nil {
					t.Fatal(err)
				}
			} else if status, err := browsertest.ActionStatus(ctx, submit); err != nil || status != 200 {
				t.Fatalf("inquiry: %d %v", status, err)
			}
			number, _ := chromedp.Run(ctx, chromedp.Text(`[data-testid="inquiry-number"]`))
			if number != "Q000001" {
				t.Fatalf("受付番号 %q", number)
			}
			url, _ := chromedp.Run(ctx, chromedp.Location())
			if !strings.HasSuffix(url, "/inquiry/thanks/Q000001") {
				t.Errorf("address after submit: %s", url)
			}
			if qs, _ := env.DB.Inquiries(""); len(qs) != 1 || qs[0].Name != "山田 花子" {
				t.Fatalf("stored inquiries: %+v", qs)
			}
		})
	}
}
