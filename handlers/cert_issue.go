package handlers

import (
	"strings"
	"unicode"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// certOffer is what /cert can do for this request.
type certOffer struct {
	st certState
	// current is this PC's usable certificate of this account, if any.
	current *store.Certificate
	// renew is set when current may be renewed now: a full session, its
	// last 30 days, not renewed yet.
	renew *store.Certificate
	// renewedBy is the serial that already renewed current.
	renewedBy string
	// issue: an allowance remains (first certificate, a granted reissue,
	// or a shared PC the operator allowed).
	issue bool
	// ordinary: an allowance for a PC of the member's own; false when this
	// PC presents another member's certificate (only a shared PC's
	// allowance may add one there).
	ordinary bool
	// otherMember: this PC presents another member's usable certificate.
	otherMember bool
}

func (s *Server) certOfferFor(c *fiber.Ctx, m *store.Member, sess *store.Session) (certOffer, error) {
	o := certOffer{st: s.clientCert(c), issue: m.CertAllowance > 0 || m.HasSharedPCGrant()}
	o.otherMember = o.st.Presented && o.st.Err == nil && o.st.Record.MemberID != m.ID
	o.ordinary = m.CertAllowance > 0 && !o.otherMember
	if o.otherMember && !m.HasSharedPCGrant() {
		o.issue = false
	}
	if st := o.st; st.Presented && st.Err == nil && st.Record.MemberID == m.ID {
		rec := st.Record
		o.current = &rec
		if !sess.PasswordOnly && rec.ExpiresSoon(s.db.Now()) {
			next, err := s.db.CertificateRenewedBy(rec.Serial)
			if err != nil {
				return o, err
			}
			if next == "" {
				o.renew = &rec
			}
			o.renewedBy = next
		}
	}
	return o, nil
}

func certIssueForm() views.Form {
	return views.Form{}.WithSpec(store.CertificateSpec)
}

// certView builds the /cert page for the offer.
func (s *Server) certView(c *fiber.Ctx, m *store.Member, sess *store.Session, o certOffer, f views.Form) views.CertView {
	v := views.CertView{MemberID: m.ID, Name: m.Name, PasswordOnly: sess.PasswordOnly,
		Validity: views.ValidityLabel(s.cfg.CertValidity), Form: f,
		SharedPCs: m.SharedPCs, Ordinary: o.ordinary || o.renew != nil, OtherMember: o.otherMember && o.issue,
		PasswordChanged: c.Query("done") == "password"}
	if o.current != nil {
		row := views.CertificateRowOf(*o.current, s.db.Now(), o.current.Serial)
		v.Current = &row
	} else if s.cfg.CertMode != web.CertOff && (o.st.Presented || !o.issue) {
		// Why this PC cannot go on: said when a certificate was presented
		// but is of no use, and on the 403 page.
		v.Reason = certReason(o.st, m)
	}
	switch {
	case o.renew != nil:
		v.Mode = views.CertModeRenew
		if len(v.Form.Values) == 0 { // not a re-rendered post
			v.Form.Values = map[string]string{"device_name": o.renew.Device}
		}
	case o.issue:
		v.Mode = views.CertModeIssue
		v.OtherPC = o.current != nil
	case o.current != nil && !sess.PasswordOnly:
		v.Mode = views.CertModeCurrent
		v.RenewedBy = o.renewedBy
	default:
		v.Mode = views.CertModeNone
	}
	return v
}

// showCertPage is 証明書の発行 (/cert): the first certificate after the
// password change, a granted reissue, a renewal in the last 30 days, or a
// 403 that explains what to do when none of these applies.
func (s *Server) showCertPage(c *fiber.Ctx) error {
	m, sess := web.MemberOf(c), web.SessionOf(c)
	if m.MustChangePassword {
		return web.Redirect(c, "/password")
	}
	o, err := s.certOfferFor(c, m, sess)
	if err != nil {
		return err
	}
	v := s.certView(c, m, sess, o, certIssueForm())
	status := fiber.StatusOK
	if v.Mode == views.CertModeNone {
		status = fiber.StatusForbidden
	}
	return s.web.RenderStatus(c, status, certPageTitle(v.Mode), views.CertPage(v))
}

func certPageTitle(mode views.CertMode) string {
	switch mode {
	case views.CertModeRenew:
		return "証明書の更新"
	case views.CertModeCurrent:
		return "このPCの証明書"
	case views.CertModeNone:
		return "証明書がありません"
	}
	return "証明書の発行"
}

// issueCertificate makes the certificate for this PC and answers the
// PKCS#12 file itself (200 application/x-pkcs12), once per allowance or
// renewal. A password-only session ends in the same answer: the member
// imports the file, reconnects and logs in again with it.
func (s *Server) issueCertificate(c *fiber.Ctx) error {
	m, sess := web.MemberOf(c), web.SessionOf(c)
	if m.MustChangePassword {
		return store.Errorf(store.EFORBIDDEN, "初期パスワードを変更してから証明書を発行してください")
	}
	o, err := s.certOfferFor(c, m, sess)
	if err != nil {
		return err
	}
	values := web.Bind(c, store.CertificateSpec)
	req := store.CertificateRequest{
		Device:            values["device_name"],
		Passphrase:        values["passphrase"],
		PassphraseConfirm: values["passphrase_confirm"],
	}
	// The passphrases are never shown again.
	delete(values, "passphrase")
	delete(values, "passphrase_confirm")
	fe := store.FieldErrors{}
	shared := values["shared_pc"]
	if o.renew == nil && o.issue {
		switch _, granted := m.SharedPCGrantFor(shared); {
		case shared != "" && !granted:
			fe.Add("shared_pc", "この共用PCの証明書は許可されていないか、すでに発行されています")
		case shared != "":
			req.SharedPC, req.Device = shared, shared
		case !o.ordinary:
			fe.Add("shared_pc", "このPCには別の会員の証明書があるため、運営者が許可した共用PC用の証明書だけを発行できます。共用PCを選んでください")
		}
	}
	switch {
	case o.renew != nil:
		// The serial comes from the certificate this request presents,
		// never from the form.
		req.Renew = o.renew.Serial
	case !o.issue:
		_ = s.db.Audit(store.AuditEvent{Actor: m.ID, Action: store.AuditCertIssue, Remote: c.IP(), Result: store.ResultDenied,
			Detail: "no allowance"})
		if web.IsNavigation(c) {
			// A browser's form post goes back to /cert, which explains the
			// refusal (403 there), so the address bar never shows
			// /cert/issue; other clients get the 403 itself.
			return web.Redirect(c, "/cert")
		}
		if o.current != nil {
			return store.Errorf(store.EFORBIDDEN, "このPCには有効な証明書があります。新しく発行できる証明書はありません（別のPCで利用するには、申請フォームから証明書の再発行を申請してください）。")
		}
		v := s.certView(c, m, sess, o, certIssueForm())
		v.Mode = views.CertModeNone
		return s.web.RenderStatus(c, fiber.StatusForbidden, certPageTitle(v.Mode), views.CertPage(v))
	}
	switch values["encoding"] {
	case "", "modern":
	case "legacy":
		req.Legacy = true
	default:
		fe.Add("encoding", store.CertificateSpec.Label("encoding")+"は「標準」か「旧形式」を選んでください")
	}
	if err := req.Validate(); err != nil {
		for k, msg := range store.ErrorFields(err) {
			fe.Add(k, msg)
		}
	}
	if len(fe) == 0 {
		issued, err := s.db.IssueCertificate(m.ID, req, s.cfg.CertValidity, c.IP())
		if err == nil {
			return s.sendCertificate(c, m, sess, issued)
		}
		switch store.ErrorCode(err) {
		case store.EINVALID:
			for k, msg := range store.ErrorFields(err) {
				fe.Add(k, msg)
			}
		case store.EFORBIDDEN:
			// The allowance went to a request that came first.
			_ = s.db.Audit(store.AuditEvent{Actor: m.ID, Action: store.AuditCertIssue, Remote: c.IP(), Result: store.ResultDenied,
				Detail: store.ErrorMessage(err)})
			return err
		default:
			return err
		}
	}
	f := certIssueForm()
	f.Values, f.Errors = values, fe
	return s.web.RenderStatus(c, fiber.StatusUnprocessableEntity, certPageTitle(views.CertModeIssue), views.CertPage(s.certView(c, m, sess, o, f)))
}

// sendCertificate answers the file. The password-only session ends here.
func (s *Server) sendCertificate(c *fiber.Ctx, m *store.Member, sess *store.Session, issued store.IssuedCertificate) error {
	if sess.PasswordOnly {
		if err := s.endSession(c); err != nil {
			return err
		}
	}
	web.DownloadStarted(c)
	ascii, full := p12FileNames(m.ID, issued.Record.Device)
	c.Set(fiber.HeaderContentType, "application/x-pkcs12")
	c.Set(fiber.HeaderContentDisposition, web.ContentDispositionASCII("attachment", ascii, full))
	c.Status(fiber.StatusOK)
	return c.Send(issued.P12)
}

// showCertDone is what to do after the download (public: the password-only
// session ended with it).
func (s *Server) showCertDone(c *fiber.Ctx) error {
	return s.web.Render(c, "証明書の取り込みと再ログイン", views.CertDone(views.CertDoneView{Renewal: c.Query("renewal") == "1"}))
}

// p12FileNames names the file after its holder and PC:
// hotline-H000123-受付PC.p12, with an ASCII-only fallback for old clients.
func p12FileNames(memberID, device string) (ascii, full string) {
	var b strings.Builder
	for _, r := range device {
		switch {
		case unicode.IsControl(r), strings.ContainsRune(`\/:*?"<>|%;`, r):
			b.WriteRune('_')
		case unicode.IsSpace(r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name := strings.Trim(b.String(), "._")
	ascii = "hotline-" + memberID + ".p12"
	if name == "" {
		return ascii, ascii
	}
	full = "hotline-" + memberID + "-" + name + ".p12"
	if isPlainASCII(full) {
		return full, full
	}
	return ascii, full
}

func isPlainASCII(s string) bool {
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return false
		}
	}
	return true
}
