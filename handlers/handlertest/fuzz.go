package handlertest

import (
	"bytes"
	"hotline/store"
	"net/http"
	"net/http/httptest"
	"testing"
)

// FuzzContentTypes are the content types the form fuzzers send a body as.
var FuzzContentTypes = []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=b", "application/json", "text/plain", ""}

// FuzzPost sends body to path as content type number ct with the client's
// cookies and CSRF token. ok is false when fasthttp refused the request
// before any handler (it answers 400 on a real connection), e.g. a broken
// multipart body.
func FuzzPost(env *Env, c *Client, path string, ct uint8, body []byte) (status int, location string, ok bool) {
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.Host = "localhost"
	if typ := FuzzContentTypes[int(ct)%len(FuzzContentTypes)]; typ != "" {
		req.Header.Set("Content-Type", typ)
	}
	for k, v := range c.Cookies {
		req.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	req.Header.Set("X-CSRF-Token", c.CSRF)
	res, err := env.App().Test(req, -1)
	if err != nil {
		return 0, "", false
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Location"), true
}

// DataDigest digests every bucket but the logs (sessions, login failures,
// the audit log and meta, whose changing key is the audit chain head): a
// refused request must leave it as it was.
func DataDigest(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	all, err := db.BucketDigests()
	if err != nil {
		t.Fatal(err)
	}
	for _, logBucket := range append([]string{"sessions", "sessions_by_member", "sessions_by_patient", "login_failures", "meta"}, AuditBuckets...) {
		delete(all, logBucket)
	}
	return all
}

// AuditBuckets hold the audit log, which refusals and reads append to.
var AuditBuckets = []string{"audit", "audit_by_actor", "audit_by_patient", "audit_clock_steps"}
