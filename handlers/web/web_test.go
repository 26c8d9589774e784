package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"path/filepath"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
)

// testApp is a small Fiber app over a fresh database, configured as the
// server is (immutable strings, body limit, write timeout), with one form
// that stores its attachments for owner "test:1" and one download route.
func testApp(tb testing.TB) (*fiber.App, *store.DB) {
	tb.Helper()
	db, err := store.Open(filepath.Join(tb.TempDir(), "hotline.db"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return newTestApp(db, 64<<20), db
}

func newTestApp(db *store.DB, bodyLimit int) *fiber.App {
	app := fiber.New(fiber.Config{
		Immutable:             true,
		BodyLimit:             bodyLimit,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          120 * time.Second,
		DisableStartupMessage: true,
		ErrorHandler: func(c *fiber.Ctx, err error) error {
			status := fiber.StatusInternalServerError
			var fe *fiber.Error
			switch {
			case errors.As(err, &fe):
				status = fe.Code
			case store.ErrorCode(err) == store.EINVALID:
				status = fiber.StatusUnprocessableEntity
			case store.ErrorCode(err) == store.ENOTFOUND:
				status = fiber.StatusNotFound
			}
			return c.Status(status).JSON(fiber.Map{"message": store.ErrorMessage(err), "fields": store.ErrorFields(err)})
		},
	})
	app.Post("/upload", func(c *fiber.Ctx) error {
		files, err := FormUploads(c, "attachment")
		if err != nil {
			return err
		}
		defer files.Close()
		var out []store.Attachment
		err = db.Update(func(tx *store.Tx) error {
			for _, u := range files {
				a, err := tx.PutAttachment("test:1", u)
				if err != nil {
					return err
				}
				out = append(out, a)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return c.JSON(out)
	})
	app.Get("/attachments/:owner/:id", func(c *fiber.Ctx) error {
		r, err := db.OpenAttachment(c.Params("owner"), c.Params("id"))
		if err != nil {
			return err
		}
		return SendAttachment(c, r)
	})
	return app
}

// part is one part of a multipart body; disposition is written as given
// after `form-data; name="…"`, so tests control the exact file name bytes.
type part struct {
	field, disposition string
	data               []byte
}

func filePart(name string, data []byte) part {
	return part{field: "attachment", disposition: fmt.Sprintf("filename=%q", name), data: data}
}

func multipartRequest(tb testing.TB, parts ...part) *http.Request {
	tb.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		d := fmt.Sprintf(`form-data; name=%q`, p.field)
		if p.disposition != "" {
			d += "; " + p.disposition
			h.Set("Content-Type", "application/octet-stream")
		}
		h.Set("Content-Disposition", d)
		pw, err := w.CreatePart(h)
		if err != nil {
			tb.Fatal(err)
		}
		pw.Write(p.data)
	}
	w.Close()
	req := httptest.NewRequest(fiber.MethodPost, "/upload", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return req
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func do(tb testing.TB, app *fiber.App, req *http.Request) answer {
	tb.Helper()
	resp, err := app.Test(req, -1)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return answer{resp.StatusCode, resp.Header, body}
}

func uploaded(tb testing.TB, a answer) []store.Attachment {
	tb.Helper()
	if a.status != fiber.StatusOK {
		tb.Fatalf("upload answered %d: %s", a.status, a.body)
	}
	var out []store.Attachment
	if err := json.Unmarshal(a.body, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

func fieldMessage(tb testing.TB, a answer) string {
	tb.Helper()
	var e struct {
		Fields map[string]string `json:"fields"`
	}
	if err := json.Unmarshal(a.body, &e); err != nil {
		tb.Fatalf("%d %s: %v", a.status, a.body, err)
	}
	return e.Fields["attachment"]
}
