package handlers

import (
	"io"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

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
