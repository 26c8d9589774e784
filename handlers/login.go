package handlers

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

const loginFailed = "IDまたはパスワードが正しくありません"

// showLogin is the ログイン認証 form.
func (s *Server) showLogin(c *fiber.Ctx) error {
	if sess := web.SessionOf(c); sess != nil && sess.Kind == store.SessionMember && !sess.PasswordOnly {
		return web.Redirect(c, "/menu")
	}
	return s.web.Render(c, "ログイン", views.Login(views.LoginView{Next: web.SafeNext(c.Query("next"))}))
}

// login checks ID and password, starts a session and sends the member to
// the next step: /password while the initial password is unchanged, /cert
// while there is no usable certificate, else the menu.
func (s *Server) login(c *fiber.Ctx) error {
	rawID := c.FormValue("id")
	id := store.NormalizeAccountID(rawID)
	password := c.FormValue("password")
	next := web.SafeNext(c.FormValue("next"))
	fail := func(err error) error {
		return s.web.RenderStatus(c, web.StatusOf(store.ErrorCode(err)), "ログイン", views.Login(views.LoginView{
			Form: views.Form{Values: map[string]string{"id": rawID}, Message: store.ErrorMessage(err)}, Next: next}))
	}
	// Throttling comes before the password is even looked at: a held
	// address gets 429 whatever it sends, and costs no hash.
	attempt := store.LoginAttempt{Account: clipString(id, 40), Addr: c.IP(), Trusted: s.presentsCertOf(c, id)}
	if retry, err := s.db.CheckLogin(attempt); err != nil {
		return s.web.Throttled(c, retry, fail, err)
	}
	m, err := s.db.Member(id)
	if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
		return err
	}
	// An overlong password is refused before Argon2id: no valid one is
	// longer, and hashing it would only cost.
	if len(password) > maxPasswordBytes || !verifyPassword(m.PasswordHash, password) {
		_ = s.db.Audit(store.AuditEvent{Actor: clipString(id, 40), Action: store.AuditLogin, Remote: c.IP(), Result: store.ResultFailed})
		// A failure that starts a hold still answers like any wrong pair:
		// the hold applies from the next attempt (429, checked above).
		if _, err := s.db.LoginFailed(attempt); err != nil {
			return err
		}
		return fail(store.Errorf(store.EUNAUTHORIZED, loginFailed))
	}
	s.db.LoginSucceeded(attempt)
	if !m.Active() {
		_ = s.db.Audit(store.AuditEvent{Actor: m.ID, Action: store.AuditLogin, Remote: c.IP(), Result: store.ResultDenied, Detail: string(m.Status)})
		return fail(store.Errorf(store.EFORBIDDEN, "このアカウントは現在利用できません（%s）。運営者にお問い合わせください。", m.Status.Label()))
	}
	sess := store.Session{Kind: store.SessionMember, MemberID: m.ID}
	detail := ""
	if s.cfg.CertMode != web.CertOff {
		st := s.clientCert(c)
		switch {
		case st.Failure != nil:
			return st.Failure
		case st.Presented && st.Err == nil && st.Record.MemberID == m.ID:
			sess.CertSerial = st.Serial
			detail = "cert:" + st.Serial
		case st.Presented && st.Err == nil && m.HasSharedPCGrant():
			// Another member's certificate on a PC the operator allowed
			// this member to share: a password-only session, which may
			// only issue this member's certificate for that PC.
			detail = "shared PC: certificate of " + st.Record.MemberID + " presented, not used"
		case st.Presented && st.Err == nil:
			// Another member's certificate on this PC: refuse rather than
			// mix identities.
			_ = s.db.Audit(store.AuditEvent{Actor: m.ID, Action: store.AuditLogin, Remote: c.IP(), Result: store.ResultDenied, Detail: "certificate of " + st.Record.MemberID})
			return &errorPage{view: certErrorView(msgCertOtherAccount)}
		case st.Presented:
			// Expired, revoked, foreign: the login goes on without it
			// (password-only with required), and the log says why.
			detail = "certificate not used: " + st.Err.Error() + " serial=" + st.Serial
		default:
			detail = "no certificate"
		}
	}
	sess.PasswordOnly = m.MustChangePassword || (s.cfg.CertMode == web.CertRequired && sess.CertSerial == "")
	if _, err := s.startSession(c, sess); err != nil {
		return err
	}
	if err := s.db.RecordLogin(m.ID, c.IP(), detail); err != nil {
		return err
	}
	if sess.CertSerial != "" {
		s.certs.touch(peerCertificates(c))
		// The first login with a renewed certificate retires the one it
		// renewed.
		if st := s.clientCert(c); st.Record.RenewalOf != "" {
			if _, err := s.db.RetireRenewedCertificate(st.Serial, c.IP()); err != nil {
				return err
			}
		}
	}
	switch {
	case m.MustChangePassword:
		return web.Redirect(c, "/password")
	case sess.PasswordOnly && s.pendingPage(next):
		// E.g. the reissue request the certificate page linked to.
		return web.Redirect(c, next)
	case sess.PasswordOnly:
		return web.Redirect(c, "/cert")
	case next != "":
		return web.Redirect(c, next)
	}
	// Everyone, operators included, lands on the menu (the external
	// contract); an operator's menu leads with 管理.
	return web.Redirect(c, "/menu")
}

// pendingPage reports whether next (a safeNext path) is a page a
// password-only session may open: a GET route of access Pending.
func (s *Server) pendingPage(next string) bool {
	path, _, _ := strings.Cut(next, "?")
	path, _, _ = strings.Cut(path, "#")
	return s.pendingGets[path]
}

// logout ends the session on the server.
func (s *Server) logout(c *fiber.Ctx) error {
	if m := web.MemberOf(c); m != nil {
		_ = s.db.Audit(store.AuditEvent{Actor: m.ID, Action: store.AuditLogout, Remote: c.IP()})
	}
	if err := s.endSession(c); err != nil {
		return err
	}
	return web.Redirect(c, "/")
}
