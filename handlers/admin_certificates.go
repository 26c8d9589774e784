package handlers

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// showMemberCertificates is the operator's list of one member's
// certificates, with revocation and a direct reissue grant.
func (s *Server) showMemberCertificates(c *fiber.Ctx) error {
	m, err := s.db.Member(c.Params("id"))
	if err != nil {
		return err
	}
	return s.renderMemberCertificates(c, fiber.StatusOK, m, views.Form{})
}

func (s *Server) renderMemberCertificates(c *fiber.Ctx, status int, m store.Member, shared views.Form) error {
	certs, err := s.db.MemberCertificates(m.ID)
	if err != nil {
		return err
	}
	shared = shared.WithSpec(store.SharedPCSpec)
	v := views.AdminCertificatesView{MemberID: m.ID, Name: m.Name, Status: m.Status.Label(), Active: m.Active(),
		Allowance: m.CertAllowance, Rows: views.CertificateRows(certs, s.db.Now(), ""), SharedPCs: m.SharedPCs, SharedForm: shared}
	switch c.Query("done") {
	case "granted":
		v.Notice = "証明書の再発行を許可しました。会員は次にログインしたとき、そのPC用の証明書を発行できます。"
	case "shared":
		v.Notice = "共用PCの証明書を許可しました。会員がそのPCでログインすると、ご自身の証明書を追加で発行できます。"
	}
	return s.web.RenderStatus(c, status, "端末（証明書） "+m.Name, views.Admin("members", views.AdminCertificates(v)))
}

// grantSharedPC allows the member one certificate on a named shared PC
// (共用PC) that already carries another member's certificate.
func (s *Server) grantSharedPC(c *fiber.Ctx) error {
	op := web.MemberOf(c)
	m, err := s.db.Member(c.Params("id"))
	if err != nil {
		return err
	}
	device := c.FormValue("device_name")
	if err := s.db.GrantSharedPC(m.ID, device, op.ID, c.IP()); err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err
		}
		return s.renderMemberCertificates(c, fiber.StatusUnprocessableEntity, m,
			views.Form{Values: map[string]string{"device_name": device}, Errors: store.ErrorFields(err)})
	}
	return web.Redirect(c, "/admin/members/"+m.ID+"/certificates?done=shared#shared-pc")
}

// grantCertificateReissue lets the member issue one more certificate (for
// a new PC); the older ones stay valid until revoked.
func (s *Server) grantCertificateReissue(c *fiber.Ctx) error {
	op := web.MemberOf(c)
	m, err := s.db.Member(c.Params("id"))
	if err != nil {
		return err
	}
	if err := s.db.GrantCertificateReissue(m.ID, op.ID, c.IP()); err != nil {
		return err
	}
	return web.Redirect(c, "/admin/members/"+m.ID+"/certificates?done=granted")
}

// revokeCertificateByOperator revokes any member's certificate; it takes
// effect on that member's next request.
func (s *Server) revokeCertificateByOperator(c *fiber.Ctx) error {
	op := web.MemberOf(c)
	serial, ok := store.ParseSerialHex(c.Params("serial"))
	if !ok {
		return store.NotFound()
	}
	cert, err := s.db.Certificate(serial)
	if err != nil {
		return err
	}
	if err := s.db.RevokeCertificate(serial, op.ID, true, c.IP()); err != nil {
		return err
	}
	return web.Redirect(c, "/admin/members/"+cert.MemberID+"/certificates?done=revoked")
}
