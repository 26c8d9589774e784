package web

import (
	"io"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Downloads that may outlast the server's WriteTimeout (an attachment on a
// slow link, a hot backup, the audit log as CSV) are paced instead: each
// chunk gets Stall to leave, and after the first stall the body must keep
// up MinRate on average. A client that stops reading, or reads a trickle,
// is still cut off, so it cannot hold the connection (and, for a backup,
// the backup lock) indefinitely.
type Pace struct {
	Stall   time.Duration
	MinRate int64 // bytes per second
}

// MinDownloadRate is half a megabit, which any link a clinic or a
// patient's phone manages.
const MinDownloadRate = 64 << 10

// DefaultPace is the server's WriteTimeout for each chunk, and
// MinDownloadRate on average.
func DefaultPace(c *fiber.Ctx) Pace {
	return Pace{Stall: c.App().Config().WriteTimeout, MinRate: MinDownloadRate}
}

// deadline is when the connection must have written the bytes about to be
// sent, of a download that started at start and has sent sent bytes.
func (p Pace) deadline(start, now time.Time, sent int64) time.Time {
	d := now.Add(p.Stall)
	if p.MinRate > 0 {
		byRate := start.Add(p.Stall + time.Duration(float64(sent)/float64(p.MinRate)*float64(time.Second)))
		if byRate.Before(d) {
			d = byRate
		}
	}
	return d
}

// SendStream answers with r as the body (size -1: unknown, sent chunked),
// paced instead of held to the WriteTimeout; r is closed (when it is an
// io.Closer) once the body has been sent or abandoned.
func SendStream(c *fiber.Ctx, r io.Reader, size int, p Pace) {
	ctx := c.Context()
	b := &pacedBody{r: r, ctx: ctx, pace: p, start: time.Now()}
	b.extend()
	c.Response().SetBodyStream(b, size)
}

// pacedBody moves the connection's write deadline on as fasthttp reads
// the body; it is read on the connection's goroutine.
type pacedBody struct {
	r     io.Reader
	ctx   *fasthttp.RequestCtx
	pace  Pace
	start time.Time
	sent  int64
}

// extend sets the deadline for the bytes about to be written (a deadline
// set by the handler replaces the server's WriteTimeout for this response;
// fasthttp clears it afterwards).
func (p *pacedBody) extend() {
	if p.pace.Stall <= 0 {
		return // no write timeout configured: nothing to move
	}
	_ = p.ctx.SetWriteDeadline(p.pace.deadline(p.start, time.Now(), p.sent))
}

func (p *pacedBody) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.sent += int64(n)
	p.extend()
	return n, err
}

// WriteTo hands each chunk of a reader that can write itself (an
// attachment) to the connection without another copy.
func (p *pacedBody) WriteTo(w io.Writer) (int64, error) {
	if wt, ok := p.r.(io.WriterTo); ok {
		return wt.WriteTo(pacedWriter{w: w, p: p})
	}
	return io.Copy(pacedWriter{w: w, p: p}, readerOnly{p.r})
}

// readerOnly hides a reader's WriteTo from io.Copy.
type readerOnly struct{ io.Reader }

type pacedWriter struct {
	w io.Writer
	p *pacedBody
}

func (pw pacedWriter) Write(b []byte) (int, error) {
	n, err := pw.w.Write(b)
	pw.p.sent += int64(n)
	pw.p.extend()
	return n, err
}

// Close closes the underlying reader (an attachment, the backup's
// temporary file, the CSV writer's pipe) when fasthttp is done with it.
func (p *pacedBody) Close() error {
	if c, ok := p.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
