package web

import (
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// A File is what a download route answers (a PDF, the audit log's CSV, the
// backup, the CA certificate): its headers, and how to make it. Routes that
// answer one are built with Kit.Download, and HEAD is mounted with the same
// handler as every GET; for a file, HEAD runs the checks (so it gets the
// same 403/404/409/410 a GET would) and answers the headers, without the
// work: no PDF is rendered, no backup taken, no audit line written.
// (Attachments stream from the store and have SendAttachment, which does
// the same for HEAD.)
type File struct {
	ContentType string
	Disposition string
	// Length is the file's size when known before it is made (0: only
	// making it tells).
	Length int
	// Send makes the file and answers it as the body, with its audit line;
	// only for GET.
	Send func(c *fiber.Ctx) error
}

// FileFunc checks a request for a file and says what the file is.
type FileFunc func(c *fiber.Ctx) (File, error)

// filesMade counts the files made (tests check that HEAD makes none).
type filesMade struct{ n atomic.Uint64 }

// FilesMade is how many files the kit's download routes have made.
func (k *Kit) FilesMade() uint64 { return k.made.n.Load() }

// Download is the handler of a download route.
func (k *Kit) Download(prepare FileFunc) fiber.Handler {
	return func(c *fiber.Ctx) error {
		f, err := prepare(c)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, f.ContentType)
		c.Set(fiber.HeaderContentDisposition, f.Disposition)
		if c.Method() == fiber.MethodHead {
			if f.Length > 0 {
				c.Response().Header.SetContentLength(f.Length)
			} else {
				// Known only once the file is made: a HEAD may leave the
				// length out (RFC 9110, 9.3.2) rather than say 0; fasthttp
				// then closes the connection after the answer.
				c.Response().Header.SetContentLength(-2)
			}
			return nil
		}
		k.made.n.Add(1)
		if err := f.Send(c); err != nil {
			// The error page must not be saved as the file.
			c.Response().Header.Del(fiber.HeaderContentDisposition)
			return err
		}
		return nil
	}
}

// PDFFile is a PDF shown in the browser (to print) with a file name for
// saving: asciiName for old clients, name (UTF-8) for the others. render
// makes it; audit, when set, records the printing once it is made.
func PDFFile(asciiName, name string, render func() ([]byte, error), audit func() error) File {
	return File{ContentType: "application/pdf", Disposition: ContentDispositionASCII("inline", asciiName, name),
		Send: func(c *fiber.Ctx) error {
			data, err := render()
			if err != nil {
				return err
			}
			if audit != nil {
				if err := audit(); err != nil {
					return err
				}
			}
			return c.Send(data)
		}}
}
