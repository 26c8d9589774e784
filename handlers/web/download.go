package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"

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
	SendStream(c, r, int(r.Size), DefaultPace(c))
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
	return ContentDispositionASCII(disposition, asciiFileName(name), name)
}

// ContentDispositionASCII is ContentDisposition with the ASCII stand-in
// chosen by the caller (e.g. application-A000001-member.pdf for
// 加入申込書（医療関係者用）A000001.pdf); filename*= is left out when the
// name is that stand-in.
func ContentDispositionASCII(disposition, ascii, name string) string {
	ascii = asciiFileName(ascii)
	v := disposition + `; filename="` + ascii + `"`
	if name != "" && name != ascii {
		v += "; filename*=UTF-8''" + encodeRFC5987(name)
	}
	return v
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
