package handlers

import (
	"io"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// A download is a file a GET route answers (a PDF, the audit log's CSV,
// the backup, the CA certificate): its headers, and how to make it. The
// route table marks these routes with s.download, and HEAD is mounted with
// the same handler for every GET route; for a download, HEAD runs the
// checks (so it gets the same 403/404/409/410 a GET would) and answers the
// headers, without the work: no PDF is rendered, no backup taken, no audit
// line written. Nothing else answers a file, so no GET route can send one
// that a HEAD would make too.
type download struct {
	contentType string
	disposition string
	// length is the file's size when known before it is made (0: only
	// making it tells).
	length int
	// send makes the file and answers it as the body, with its audit
	// line; only for GET.
	send func(c *fiber.Ctx) error
}

// downloadFunc checks a request for a file and says what the file is.
type downloadFunc func(c *fiber.Ctx) (download, error)

// download is the handler of a download route.
func (s *Server) download(prepare downloadFunc) fiber.Handler {
	return func(c *fiber.Ctx) error {
		d, err := prepare(c)
		if err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, d.contentType)
		c.Set(fiber.HeaderContentDisposition, d.disposition)
		if c.Method() == fiber.MethodHead {
			if d.length > 0 {
				c.Response().Header.SetContentLength(d.length)
			} else {
				// Known only once the file is made: a HEAD may leave the
				// length out (RFC 9110, 9.3.2) rather than say 0; fasthttp
				// then closes the connection after the answer.
				c.Response().Header.SetContentLength(-2)
			}
			return nil
		}
		s.filesMade.Add(1)
		if err := d.send(c); err != nil {
			// The error page must not be saved as the file.
			c.Response().Header.Del(fiber.HeaderContentDisposition)
			return err
		}
		return nil
	}
}

// pdfDownload is a PDF shown in the browser (to print) with a file name
// for saving: asciiName for old clients, name (UTF-8) for the others.
// render makes it; audit, when set, records the printing once it is made.
func pdfDownload(asciiName, name string, render func() ([]byte, error), audit func() error) download {
	return download{contentType: "application/pdf", disposition: contentDisposition("inline", asciiName, name),
		send: func(c *fiber.Ctx) error {
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

// Downloads that may outlast the server's WriteTimeout (a hot backup, the
// audit log as CSV) are paced instead: each chunk gets stall to leave, and
// after the first stall the body must keep up minRate on average. A client
// that stops reading, or reads a trickle, is still cut off, so it cannot
// hold the connection (and, for a backup, the backup lock) indefinitely.
type downloadPace struct {
	stall   time.Duration
	minRate int64 // bytes per second
}

// defaultPace: the WriteTimeout for each chunk, and 64 KiB/s (half a
// megabit) on average, which any link a clinic uses manages.
var defaultPace = downloadPace{stall: writeTimeout, minRate: 64 << 10}

// deadline is when the connection must have written the first sent bytes
// of a download that started at start.
func (p downloadPace) deadline(start, now time.Time, sent int64) time.Time {
	d := now.Add(p.stall)
	if p.minRate > 0 {
		byRate := start.Add(p.stall + time.Duration(float64(sent)/float64(p.minRate)*float64(time.Second)))
		if byRate.Before(d) {
			d = byRate
		}
	}
	return d
}

// sendDownload answers with r as the body (size -1: unknown, sent
// chunked), paced instead of held to the WriteTimeout.
func (s *Server) sendDownload(c *fiber.Ctx, r io.Reader, size int) {
	ctx := c.Context()
	start := time.Now()
	// A deadline set by the handler replaces the server's WriteTimeout for
	// this response; fasthttp clears it afterwards.
	_ = ctx.SetWriteDeadline(s.pace.deadline(start, start, 0))
	c.Response().SetBodyStream(&pacedBody{r: r, ctx: ctx, pace: s.pace, start: start}, size)
}

// pacedBody moves the write deadline on as fasthttp reads the body; it is
// read on the connection's goroutine while the response is written.
type pacedBody struct {
	r     io.Reader
	ctx   *fasthttp.RequestCtx
	pace  downloadPace
	start time.Time
	sent  int64
}

func (p *pacedBody) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.sent += int64(n)
	_ = p.ctx.SetWriteDeadline(p.pace.deadline(p.start, time.Now(), p.sent))
	return n, err
}

// Close closes the underlying reader (the backup's temporary file, the
// CSV writer's pipe) when the response is done or abandoned.
func (p *pacedBody) Close() error {
	if c, ok := p.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
