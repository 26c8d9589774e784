package web

import (
	"io"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"hotline/store"
)

// SendAttachment answers with the attachment r, streamed from the database
// a chunk at a time (memory stays at one chunk however large the file), and
// takes r over: it is closed when the body has been sent or abandoned.
// The caller has decided that the user may see it (and audited the view).
//
// Headers: Content-Type from the stored type (decided from the content when
// it was uploaded), Content-Disposition inline with the original name,
// X-Content-Type-Options: nosniff and Content-Security-Policy: sandbox (so
// even a file a browser might misread runs no script in our origin), and
// Cache-Control: no-store (medical data stays out of shared and disk
// caches). HEAD gets the same headers and no body, and reads no chunk.
func SendAttachment(c *fiber.Ctx, r *store.AttachmentReader) error {
	ct, disposition := r.ContentType, "inline"
	switch ct {
	case store.ContentTypePDF, store.ContentTypeJPEG, store.ContentTypePNG:
	default:
		// Never the case for what the store accepts; if it were, the
		// browser must not render it.
		ct, disposition = "application/octet-stream", "attachment"
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderContentDisposition, ContentDisposition(disposition, r.Name))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderContentSecurityPolicy, "sandbox")
	c.Set(fiber.HeaderCacheControl, "no-store")
	if c.Method() == fiber.MethodHead {
		r.Close()
		c.Response().SkipBody = true
		c.Response().Header.SetContentLength(int(r.Size))
		return nil
	}
	c.Response().SetBodyStream(newPacedBody(c, r), int(r.Size))
	return nil
}

// ContentDisposition is a Content-Disposition header value (RFC 6266) for a
// file called name: filename= holds an ASCII stand-in for old clients, with
// quotes, backslashes, percent signs, control and non-ASCII characters
// replaced, and filename*= (RFC 5987) the real name in UTF-8,
// percent-encoded. Nothing of name can end the header or add a parameter.
// disposition is "inline" or "attachment".
func ContentDisposition(disposition, name string) string {
	name = store.CleanAttachmentName(name, "")
	return disposition + `; filename="` + asciiFileName(name) + `"; filename*=UTF-8''` + encodeRFC5987(name)
}

// asciiFileName replaces everything outside printable ASCII, and the
// characters that are special in a quoted string or that some browsers
// decode (", \, %), with "_", one for each run. A name with no letter or
// digit left in its stem becomes "attachment" with the extension.
func asciiFileName(name string) string {
	var sb strings.Builder
	under := false
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			if !under {
				sb.WriteByte('_')
			}
			under = true
			continue
		}
		under = false
		sb.WriteRune(r)
	}
	s := sb.String()
	stem, ext := s, ""
	if i := strings.LastIndexByte(s, '.'); i >= 0 {
		stem, ext = s[:i], s[i:]
	}
	if !strings.ContainsFunc(stem, func(r rune) bool {
		return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z'
	}) {
		if strings.Trim(ext, "._") == "" {
			ext = ""
		}
		return "attachment" + ext
	}
	return s
}

// encodeRFC5987 percent-encodes every byte of s except RFC 5987's attr-char.
func encodeRFC5987(s string) string {
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' || b >= 'a' && b <= 'z' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			sb.WriteByte(b)
			continue
		}
		sb.WriteByte('%')
		sb.WriteByte(hex[b>>4])
		sb.WriteByte(hex[b&0xF])
	}
	return sb.String()
}

// minDownloadRate is the slowest average a download may keep up once it
// has used its first WriteTimeout: half a megabit, which any link a clinic
// or a patient's phone manages.
const minDownloadRate = 64 << 10

// pacedBody moves the connection's write deadline on as the attachment is
// sent, so a 10 MB file on a slow link is not cut off at the server's
// WriteTimeout, while a client that stops reading (or reads a trickle) is
// still disconnected. It is read on the connection's goroutine.
type pacedBody struct {
	r     *store.AttachmentReader
	ctx   *fasthttp.RequestCtx
	stall time.Duration
	start time.Time
	sent  int64
}

func newPacedBody(c *fiber.Ctx, r *store.AttachmentReader) *pacedBody {
	p := &pacedBody{r: r, ctx: c.Context(), stall: c.App().Config().WriteTimeout, start: time.Now()}
	p.extend()
	return p
}

// extend sets the deadline for the bytes about to be written: a stall
// from now, but no later than the minimum rate allows for what was sent.
func (p *pacedBody) extend() {
	if p.stall <= 0 {
		return // no write timeout configured: nothing to move
	}
	now := time.Now()
	d := now.Add(p.stall)
	byRate := p.start.Add(p.stall + time.Duration(float64(p.sent)/minDownloadRate*float64(time.Second)))
	if byRate.Before(d) {
		d = byRate
	}
	_ = p.ctx.SetWriteDeadline(d)
}

func (p *pacedBody) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.sent += int64(n)
	p.extend()
	return n, err
}

// WriteTo hands each chunk to the connection without another copy.
func (p *pacedBody) WriteTo(w io.Writer) (int64, error) {
	return p.r.WriteTo(pacedWriter{w: w, p: p})
}

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

// Close closes the attachment reader when fasthttp is done with the body.
func (p *pacedBody) Close() error { return p.r.Close() }
