package handlers

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// showMyCertificates is the member's 端末（証明書） page: every certificate
// of the account, this PC's marked.
func (s *Server) showMyCertificates(c *fiber.Ctx) error {
	return s.renderMyCertificates(c, fiber.StatusOK, views.Form{})
}

func (s *Server) renderMyCertificates(c *fiber.Ctx, status int, f views.Form) error {
	m := web.MemberOf(c)
	certs, err := s.db.MemberCertificates(m.ID)
	if err != nil {
		return err
	}
	current := s.currentCertSerial(c)
	return s.web.RenderStatus(c, status, "端末（証明書）", views.MyCertificates(views.MyCertificatesView{
		Rows: views.CertificateRows(certs, s.db.Now(), current), CurrentSerial: current,
		Allowance: m.CertAllowance, Form: f}))
}

// currentCertSerial is the serial of the certificate this request uses:
// the session's, else a usable one it presents.
func (s *Server) currentCertSerial(c *fiber.Ctx) string {
	if sess := web.SessionOf(c); sess != nil && sess.CertSerial != "" {
		return sess.CertSerial
	}
	if st := s.clientCert(c); st.Presented && st.Err == nil {
		return st.Serial
	}
	return ""
}

// revokeMyCertificate revokes one of the member's own certificates. The
// one in use needs the confirmation box, and revoking it logs out.
func (s *Server) revokeMyCertificate(c *fiber.Ctx) error {
	m := web.MemberOf(c)
	serial, ok := store.ParseSerialHex(c.Params("serial"))
	if !ok {
		return store.NotFound()
	}
	current := serial == s.currentCertSerial(c)
	if current && c.FormValue("confirm") != "1" {
		return s.renderMyCertificates(c, fiber.StatusUnprocessableEntity, views.Form{
			Message: "このPCで使用中の証明書です。失効させるとログアウトします。よろしければ「確認しました」にチェックを入れてから押してください。"})
	}
	if err := s.db.RevokeCertificate(serial, m.ID, false, c.IP()); err != nil {
		return err
	}
	if current {
		if err := s.endSession(c); err != nil {
			return err
		}
		return web.Redirect(c, "/login?done=revoked")
	}
	return web.Redirect(c, "/certificates?done=revoked")
}
