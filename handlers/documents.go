package handlers

import (
	"strings"
	"time"

	"hotline/store"
	"hotline/views/pdf"
)

// pdfOperator is the operator's block printed on documents, from the
// settings.
func pdfOperator(st store.Settings) pdf.Operator {
	return pdf.Operator{SiteName: st.SiteName, Organisation: st.Organisation, Department: st.Department,
		Postal: st.Postal, Address: st.Address, Phone: st.Phone, Email: st.Email, PortalURL: st.PortalURL}
}

// warekiDate is the Japan-time day of t in 和暦, as paper forms print it.
func warekiDate(t time.Time) string { return store.FormatWareki(t.In(store.Tokyo)) }

// contentDisposition builds the header with both filename forms (RFC 6266).
func contentDisposition(kind, asciiName, name string) string {
	asciiName = strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '/' {
			return '_'
		}
		return r
	}, asciiName)
	v := kind + `; filename="` + asciiName + `"`
	if name != "" && name != asciiName {
		v += "; filename*=UTF-8''" + rfc5987(name)
	}
	return v
}

// rfc5987 percent-encodes every byte but letters, digits and -._~.
func rfc5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
