package handlers

import (
	"math"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// showMenu is the ほっとラインメニュー.
func (s *Server) showMenu(c *fiber.Ctx) error {
	m := web.MemberOf(c)
	v := views.MenuView{Name: m.Name, Operator: m.IsOperator(), HasFacility: m.FacilityOID != ""}
	if v.Operator {
		st, err := s.db.Settings()
		if err != nil {
			return err
		}
		v.Placeholders = st.Placeholders()
	}
	if m.FacilityOID != "" {
		if f, err := s.db.Facility(m.FacilityOID); err == nil {
			v.Pharmacy = f.Kind == store.FacilityPharmacy
		}
	}
	return s.web.Render(c, "メニュー", views.Menu(v))
}

// banners are the notices shown on every page for the logged-in person.
func (s *Server) banners(c *fiber.Ctx) []views.Banner {
	m := web.MemberOf(c)
	if m == nil {
		return nil
	}
	var out []views.Banner
	// The dashboard shows this warning in its own list.
	if m.IsOperator() && s.cfg.CertMode == web.CertOff && c.Path() != "/admin" {
		out = append(out, views.Banner{Kind: "error", Text: "証明書の確認が無効（--client-cert off）で動作しています。開発用の設定です。本番では required にしてください。"})
	}
	if b, ok := s.certExpiryBanner(c, m); ok {
		out = append(out, b)
	}
	return out
}

// certExpiryBanner warns in the last 30 days of this PC's certificate and
// leads to the renewal, which uses that certificate (so only a full
// session presenting it gets the link); once renewed, it says to import the
// new file instead.
func (s *Server) certExpiryBanner(c *fiber.Ctx, m *store.Member) (views.Banner, bool) {
	sess := web.SessionOf(c)
	if s.cfg.CertMode == web.CertOff || sess == nil || sess.PasswordOnly {
		return views.Banner{}, false
	}
	st := s.clientCert(c)
	now := s.db.Now()
	if !st.Presented || st.Err != nil || st.Record.MemberID != m.ID || !st.Record.ExpiresSoon(now) {
		return views.Banner{}, false
	}
	days := int(math.Ceil(st.Record.ExpiresAt.Sub(now).Hours() / 24))
	when := "このPCの証明書（" + st.Record.Device + "）の有効期限は " + views.DateTime(st.Record.ExpiresAt) + " です（あと" + strconv.Itoa(days) + "日）。"
	if next, err := s.db.CertificateRenewedBy(st.Serial); err == nil && next != "" {
		return views.Banner{Kind: "info", Text: when + "更新した証明書ファイルを取り込み、ブラウザを起動し直してログインしてください。",
			Link: "/cert/done?renewal=1", LinkText: "取り込み方法"}, true
	}
	return views.Banner{Kind: "warn", Text: when + "期限が切れるとこのPCから利用できなくなります。今の証明書を使って更新できます。",
		Link: "/cert", LinkText: "証明書を更新する"}, true
}
