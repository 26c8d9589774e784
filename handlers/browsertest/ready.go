package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
)

// Waiting for the page (measured: the cause of "Inspected target navigated
// or closed (-32000)" on a busy machine). htmx boosts links and forms when
// it processes a page; after a swap it processes the new content only once
// the swap has settled, a timer later (htmx's settleDelay, 20 ms, far more
// on a loaded machine). A test that clicks as soon as the new content is
// there clicks a link or form htmx has not taken yet: the browser follows
// it itself, the document is replaced, and whatever the test evaluates
// meanwhile fails. So every click waits until the page is ready:
//
//   - the document is loaded (readyState "complete"), which is all there
//     is with JavaScript off;
//   - and, on a page that runs htmx, htmx has finished with it: the page's
//     own script (static/js/app.js) sets ReadyAttribute on <body> on
//     htmx:load of the body and bumps it on every htmx:afterSettle.
//
// NavigateStatus and ActionStatus wait for the page before they act and
// for the new page after; Swap waits for a swap to settle. New tests use
// ClickNavigate for a click that loads a page (JavaScript off, or a link
// htmx does not take) and ClickSwap for a click that htmx answers.

// ReadyAttribute is the attribute on <body> that counts the times htmx has
// finished with the page (see above).
const ReadyAttribute = "data-htmx-ready"

// readyPoll is how often the state of the page is read while waiting.
const readyPoll = 20 * time.Millisecond

// pageState is what the waits read from the page in one evaluation.
type pageState struct {
	Complete bool   `json:"complete"` // document.readyState == "complete"
	HTMX     bool   `json:"htmx"`     // the page runs htmx
	Ready    string `json:"ready"`    // ReadyAttribute of <body> ("" : not yet)
	Token    string `json:"token"`    // the document's mark set by Swap
}

const pageStateJS = `(() => ({
	complete: document.readyState === "complete",
	htmx: typeof window.htmx !== "undefined",
	ready: (document.body && document.body.getAttribute("` + ReadyAttribute + `")) || "",
	token: window.__browsertestDocument || ""
}))()`

// state reads the page. An error while the document is being replaced
// (the evaluation's context destroyed, the target navigated) is not final:
// the caller reads again.
func state(ctx context.Context) (pageState, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[pageState](pageStateJS))
}

// transient reports an error of an evaluation that raced with a document
// being replaced.
func transient(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "-32000") || strings.Contains(s, "navigated or closed") ||
		strings.Contains(s, "context was destroyed") || strings.Contains(s, "Cannot find context")
}

// waitState reads the page until done says so, or ctx ends.
func waitState(ctx context.Context, what string, done func(pageState) (bool, error)) error {
	var last pageState
	var lastErr error
	for {
		st, err := state(ctx)
		switch {
		case err == nil:
			last, lastErr = st, nil
			ok, derr := done(st)
			if derr != nil {
				return derr
			}
			if ok {
				return nil
			}
		case transient(err):
			lastErr = err
		default:
			return hint(ctx, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("browsertest: waiting for %s: %w (last state %+v, %v)", what, hint(ctx, ctx.Err()), last, lastErr)
		case <-time.After(readyPoll):
		}
	}
}

// pageReady: the document is loaded, and htmx (if the page runs it) has
// processed it.
func pageReady(st pageState) bool { return st.Complete && (!st.HTMX || st.Ready != "") }

// WaitReady waits until the page is loaded and, on a page that runs htmx,
// htmx has processed it (ReadyAttribute is set), so a click is htmx's.
func WaitReady(ctx context.Context) error {
	return waitState(ctx, "the page to be ready", func(st pageState) (bool, error) { return pageReady(st), nil })
}

// Ready is WaitReady as a step of chromedp.Do.
func Ready() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error { return WaitReady(ctx) })
}

// ClickNavigate clicks the element sel once the page is ready, waits for
// the page the click loads (a link, a form's submit: with JavaScript off,
// or one htmx does not take) to be ready, and returns its HTTP status
// (after redirects).
func ClickNavigate(ctx context.Context, sel string) (int, error) {
	return ActionStatus(ctx, chromedp.Click(sel))
}

// ClickSwap clicks the element sel once the page is ready and waits until
// htmx has swapped in the answer and settled (see Swap).
func ClickSwap(ctx context.Context, sel string) error {
	return Swap(ctx, chromedp.Click(sel))
}

// errNavigated: the actions loaded a new document where htmx should have
// swapped.
var errNavigated = errors.New("browsertest: the page was loaded anew, not swapped by htmx (did htmx take the click?)")

// Swap runs actions that make htmx swap in an answer (a click on a boosted
// link or form, typing into a live search) once the page is ready, and
// waits until the swap has settled: ReadyAttribute has changed in the same
// document. It fails if the document was replaced instead (the browser
// followed the click itself) or the page does not run htmx.
func Swap(ctx context.Context, actions ...chromedp.Action[chromedp.Void]) error {
	if err := WaitReady(ctx); err != nil {
		return err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	before, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](`window.__browsertestDocument = "`+token+`"; `+pageStateJS))
	if err != nil {
		return hint(ctx, err)
	}
	if !before.HTMX {
		return errors.New("browsertest: Swap on a page that does not run htmx")
	}
	if err := chromedp.Do(ctx, actions...); err != nil {
		return hint(ctx, err)
	}
	return waitState(ctx, "htmx to swap and settle", func(st pageState) (bool, error) {
		if st.Token != token {
			return false, errNavigated
		}
		return st.Ready != before.Ready && pageReady(st), nil
	})
}
