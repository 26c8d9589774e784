package dms_test

import (
	"bytes"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"hotline/handlers/handlertest"
	"hotline/store"
)

// multipartBody is a multipart form with boundary b (the boundary the
// fuzzers' content type names).
func multipartBody(form url.Values, files ...handlertest.File) []byte {
	var buf bytes.Buffer
	for k, vs := range form {
		for _, v := range vs {
			fmt.Fprintf(&buf, "--b\r\nContent-Disposition: form-data; name=%q\r\n\r\n%s\r\n", k, v)
		}
	}
	for _, f := range files {
		fmt.Fprintf(&buf, "--b\r\nContent-Disposition: form-data; name=%q; filename=%q\r\nContent-Type: image/png\r\n\r\n", f.Field, f.Name)
		buf.Write(f.Data)
		buf.WriteString("\r\n")
	}
	buf.WriteString("--b--\r\n")
	return buf.Bytes()
}

var createdLocation = regexp.MustCompile(`^/dms/records/(R[0-9]{6,})\?done=dms-(created|revised)$`)

// fuzzRecordForm sends arbitrary bodies (urlencoded, multipart, others) to
// path: never a 5xx; a stored record or version is valid and its files
// are PDF, JPEG or PNG; a refusal stores nothing.
func fuzzRecordForm(f *testing.F, path func(w *world) string) {
	f.Helper()
	w := newWorld(f)
	png := store.SamplePNG(8, 8, 3)
	seeds := []struct {
		ct   uint8
		body []byte
	}{
		{0, []byte(recordValues("{patient}").Encode())},
		{1, multipartBody(recordValues("{patient}", "version", "1"), handlertest.File{Field: "attachment", Name: "a.png", Data: png})},
		{1, multipartBody(recordValues("{patient}", "version", "1"), handlertest.File{Field: "attachment", Name: "x\".png\r\nX: y", Data: []byte("<svg/>")})},
		{1, multipartBody(recordValues("{patient}"), handlertest.File{Field: "attachment", Name: "", Data: nil})},
		{1, []byte("--b\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"a.png\"\r\n\r\n\x89PNG\r\n\x1a\n")},
		{1, []byte("--b\r\nContent-Disposition: form-data; name=\"patient_id\"\r\n\r\n{patient}\r\n--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n")},
		{1, []byte("--b--\r\n")},
		{2, []byte(`{"patient_id":"{patient}","kind":"lab"}`)},
	}
	for _, s := range seeds {
		f.Add(s.ct, s.body)
	}
	f.Fuzz(func(t *testing.T, ct uint8, body []byte) {
		body = bytes.ReplaceAll(body, []byte("{patient}"), []byte(w.Patient))
		before := handlertest.DataDigest(t, w.DB)
		status, location, ok := handlertest.FuzzPost(w.Env, w.A, path(w), ct, body)
		if !ok {
			return
		}
		switch {
		case status >= 500:
			t.Fatalf("status %d for %q", status, body)
		case status == 303 && createdLocation.MatchString(location):
			id := createdLocation.FindStringSubmatch(location)[1]
			page, err := w.DB.ViewRecord(store.PRSActor{MemberID: w.MA.ID, FacilityOID: w.FA.OID}, id, 0)
			if err != nil {
				t.Fatalf("stored record not readable: %v", err)
			}
			v := page.Current
			if !v.Kind.Valid() || v.Title == "" || v.RecordedOn.IsZero() || page.PatientID != w.Patient {
				t.Fatalf("stored an invalid record %+v from %q", v, body)
			}
			for _, a := range v.Attachments {
				rd, _, err := w.DB.OpenRecordAttachment(store.PRSActor{MemberID: w.MA.ID, FacilityOID: w.FA.OID}, id, a.N)
				if err != nil {
					t.Fatal(err)
				}
				data, err := io.ReadAll(rd)
				rd.Close()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := store.CheckUpload(store.UploadBytes(a.Name, data)); err != nil || strings.ContainsAny(a.Name, "\r\n") {
					t.Fatalf("stored a refused file %q: %v", a.Name, err)
				}
			}
		case status == 404 || status == 409 || status == 413 || status == 422 || status == 400:
			if after := handlertest.DataDigest(t, w.DB); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Fatalf("refused (%d) but the data changed: %q", status, body)
			}
		default:
			t.Fatalf("status %d for %q", status, body)
		}
	})
}

// FuzzSaveRecord fuzzes 記録を作成 (POST /dms/records).
func FuzzSaveRecord(f *testing.F) {
	fuzzRecordForm(f, func(*world) string { return "/dms/records" })
}

// FuzzReviseRecord fuzzes 修正 (POST /dms/records/{id}/revise).
func FuzzReviseRecord(f *testing.F) {
	fuzzRecordForm(f, func(w *world) string { return "/dms/records/" + w.Record + "/revise" })
}
