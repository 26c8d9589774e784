package handlers

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// guard enforces a route's Access before its handler runs.
func (s *Server) guard(a web.Access) fiber.Handler {
	if a == web.Public {
		return func(c *fiber.Ctx) error { return c.Next() }
	}
	return func(c *fiber.Ctx) error {
		sess := web.SessionOf(c)
		if a == web.Patient {
			if sess == nil || sess.Kind != store.SessionPatient {
				return s.needLogin(c, "/patient/login")
			}
			return c.Next()
		}
		if sess == nil || sess.Kind != store.SessionMember {
			return s.needLogin(c, "/login")
		}
		m, err := s.db.Member(sess.MemberID)
		if err != nil || !m.Active() {
			if err := s.endSession(c); err != nil {
				return err
			}
			return s.needLogin(c, "/login")
		}
		web.SetMember(c, &m, sess.PasswordOnly)
		if err := s.checkSessionCert(c, sess, &m); err != nil {
			return err
		}
		if a == web.Pending {
			return c.Next()
		}
		if sess.PasswordOnly {
			if m.MustChangePassword {
				if web.IsRead(c) {
					return web.Redirect(c, "/password")
				}
				return store.Errorf(store.EFORBIDDEN, "初期パスワードを変更してから利用してください")
			}
			return s.certRefused(c, &m, s.clientCert(c), false)
		}
		switch {
		case a == web.Operator && !m.IsOperator():
			return store.Errorf(store.EFORBIDDEN, "このページは運営者のみ利用できます")
		case a == web.FacilityMember && m.FacilityOID == "":
			return store.Errorf(store.EFORBIDDEN, "この機能は医療機関・薬局に所属する会員が利用します（運営者アカウントには所属施設がありません）")
		}
		return c.Next()
	}
}

// checkSessionCert holds a session to the certificate it was logged in
// with: another certificate, none, or one that is no longer usable ends it.
func (s *Server) checkSessionCert(c *fiber.Ctx, sess *store.Session, m *store.Member) error {
	if s.cfg.CertMode == web.CertOff {
		return nil
	}
	st := s.clientCert(c)
	if st.Failure != nil {
		return st.Failure
	}
	if sess.CertSerial == "" {
		// A full session without a certificate was made while the server
		// ran with optional or off: with required it is over.
		if s.cfg.CertMode == web.CertRequired && !sess.PasswordOnly {
			return s.certRefused(c, m, st, true)
		}
		// Not bound (password-only, or optional mode without a certificate):
		// a presented certificate must still not be someone else's, unless
		// the operator allowed this member a certificate for the shared
		// PC, which the password-only session is there to issue.
		if st.Presented && st.Err == nil && st.Record.MemberID != m.ID && !(sess.PasswordOnly && m.HasSharedPCGrant()) {
			return s.certRefused(c, m, st, true)
		}
		return nil
	}
	if !st.Presented || st.Serial != sess.CertSerial || st.Err != nil {
		return s.certRefused(c, m, st, true)
	}
	s.certs.touch(peerCertificates(c))
	return nil
}

// certRefused answers 403 with an explanation naming the certificate and
// the way to a reissue, audits the refusal, and ends the session when asked.
func (s *Server) certRefused(c *fiber.Ctx, m *store.Member, st certState, end bool) error {
	reason := certReason(st, m)
	detail := reason
	if st.Serial != "" {
		detail += " serial=" + st.Serial
	}
	if end {
		detail += " (session ended)"
	}
	_ = s.db.Audit(store.AuditEvent{Actor: m.ID, Action: store.AuditCertRefused, Object: "path:" + c.Path(),
		Remote: c.IP(), Result: store.ResultDenied, Detail: detail})
	view := certErrorView(reason)
	if end {
		if err := s.endSession(c); err != nil {
			return err
		}
		// The page is rendered for nobody: no name, no banners.
		web.SetMember(c, nil, false)
	} else if m.CertAllowance > 0 && !m.MustChangePassword {
		// A password-only session that may still issue its certificate.
		view.Links = append([]views.Link{{Href: "/cert", Text: "このPC用の証明書を発行する"}}, view.Links...)
	}
	return &errorPage{view: view}
}

func certReason(st certState, m *store.Member) string {
	switch {
	case !st.Presented:
		return "この端末には証明書がインストールされていません。"
	case st.Err != nil:
		return st.Err.Error() + "。"
	case st.Record.MemberID != m.ID:
		return msgCertOtherAccount
	}
	return "ログインしたときと異なる証明書が使われました。もう一度ログインしてください。"
}

// msgCertOtherAccount is the reason when the PC presents another member's
// certificate.
const msgCertOtherAccount = "この証明書は別のアカウントのものです。"

func certErrorView(reason string) views.ErrorView {
	v := views.ErrorView{
		Status:  fiber.StatusForbidden,
		Title:   "証明書を確認できません",
		Message: reason,
		Detail: "ほっとラインの各機能を利用するには、パスワードに加えて、このPCにインストールした証明書（クライアント証明書）が必要です。" +
			"証明書は1PCにつき1つです。別のPCで利用する場合や、証明書の期限切れ・紛失の場合は、ログインして申請フォームから「証明書の再発行」を申請してください。" +
			"運営者が承認すると、次回ログイン時にこのPC用の証明書を発行できます。",
		Links: []views.Link{
			{Href: "/login", Text: "ログイン"},
			{Href: "/requests?kind=cert_reissue", Text: "申請フォーム（証明書の再発行）"},
			{Href: "/guide/certificate", Text: "証明書のインストール方法"},
		},
	}
	if reason == msgCertOtherAccount {
		// A shared PC: the browser chose the certificate of whoever used
		// it before.
		v.StepsTitle = "共用PCでの証明書の選び方"
		v.Steps = []string{
			"ブラウザをすべて閉じてから起動し直し、もう一度ログインしてください。証明書を選ぶ画面が出たら、ご自身の氏名の証明書を選びます（Chrome・Edge は選んだ証明書をブラウザを閉じるまで使い続けます）。",
			"Firefox では「設定 → プライバシーとセキュリティ → 証明書」で「毎回自分で選択する」にしておくと、接続のたびに選べます。",
			"PCを共用する場合は、WindowsやmacOSのユーザーアカウントを一人ずつ分けると、証明書もアカウントごとに分かれ、取り違えがなくなります（証明書はユーザーごとに取り込みます）。",
			"このPCにご自身の証明書がまだない場合：受付PCなどを複数の会員で使うときは、運営者に「共用PC」の証明書を申し込んでください（問合せフォーム、またはご自身のPCから申請フォーム）。運営者が許可すると、このPCでログインしてご自身の証明書を追加できます。",
		}
		v.Links = []views.Link{
			{Href: "/login", Text: "ログイン"},
			{Href: "/guide/certificate#shared-pc", Text: "共用PCでの証明書の選び方（サービスガイド）"},
			{Href: "/inquiry", Text: "問合せフォーム（共用PCの証明書の申し込み）"},
			{Href: "/requests?kind=cert_reissue", Text: "申請フォーム（証明書の再発行）"},
		}
	}
	return v
}

// needLogin sends an anonymous visitor to the login page, remembering where
// they were going.
func (s *Server) needLogin(c *fiber.Ctx, login string) error {
	if web.IsRead(c) && c.Get("HX-Request") != "true" {
		return web.Redirect(c, login+"?next="+url.QueryEscape(string(c.Request().URI().RequestURI())))
	}
	if c.Get("HX-Request") == "true" {
		c.Set("HX-Redirect", login)
	}
	return store.Errorf(store.EUNAUTHORIZED, "ログインしてください（一定時間操作がなかったため、ログインの有効期限が切れた可能性があります）")
}
