package handlers

import (
	"github.com/gofiber/fiber/v2"

	"hotline/views"
)

// showMenu is the ほっとラインメニュー.
func (s *Server) showMenu(c *fiber.Ctx) error {
	m := memberOf(c)
	return s.render(c, "メニュー", views.Menu(views.MenuView{Name: m.Name, Operator: m.IsOperator()}))
}

// banners are the notices shown on every page for the logged-in person.
func (s *Server) banners(c *fiber.Ctx) []views.Banner {
	m := memberOf(c)
	if m == nil {
		return nil
	}
	var out []views.Banner
	if m.IsOperator() && s.cfg.CertMode == CertOff {
		out = append(out, views.Banner{Kind: "error", Text: "証明書の確認が無効（--client-cert off）で動作しています。開発用の設定です。本番では required にしてください。"})
	}
	if st := s.clientCert(c); st.Presented && st.Err == nil && st.Record.MemberID == m.ID && st.Record.ExpiresSoon(s.db.Now()) {
		out = append(out, views.Banner{Kind: "warn", Text: "このPCの証明書の有効期限が " + views.Date(st.Record.ExpiresAt) + " に切れます。",
			Link: "/cert", LinkText: "証明書を更新する"})
	}
	return out
}

// showComingSoon is the honest 準備中 page of a function not built yet.
func (s *Server) showComingSoon(c *fiber.Ctx) error {
	for _, f := range views.MenuFunctions {
		if f.Href == c.Path() {
			return s.render(c, f.Name, views.ComingSoon(f.Name, f.Description))
		}
	}
	return fiber.ErrNotFound
}
