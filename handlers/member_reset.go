package handlers

import (
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// Password reset of a member by the operator: a new initial password,
// printed on a new 利用開始案内. The member pages themselves belong to the
// member administration; these routes only issue and print the letter.

// memberParam loads the (non-operator) member named by :id.
func (s *Server) memberParam(c *fiber.Ctx) (store.Member, error) {
	id := c.Params("id")
	if store.NormalizeAccountID(id) != id {
		return store.Member{}, store.NotFound()
	}
	return s.db.Member(id)
}

// resetMemberPassword issues a new initial password (to be changed at the
// next login), ends the member's sessions and leads to the letter.
func (s *Server) resetMemberPassword(c *fiber.Ctx) error {
	m, err := s.memberParam(c)
	if err != nil {
		return err
	}
	m, password, err := s.db.ResetMemberPassword(m.ID, web.MemberOf(c).ID, c.IP())
	if err != nil {
		return err
	}
	facilityName := ""
	if f, err := s.db.Facility(m.FacilityOID); err == nil {
		facilityName = f.Name
	}
	s.letters.put(heldLetter{kind: letterStartGuide, subject: m.ID, name: m.Name, facilityName: facilityName}, password)
	return web.Redirect(c, "/admin/members/"+m.ID+"/letters")
}

// showMemberLetters prints a reset's 利用開始案内 and records it mailed.
func (s *Server) showMemberLetters(c *fiber.Ctx) error {
	m, err := s.memberParam(c)
	if err != nil {
		return err
	}
	return s.renderLetters(c, fiber.StatusOK, s.memberLettersView(m))
}

func (s *Server) memberLettersView(m store.Member) views.LettersView {
	base := "/admin/members/" + m.ID
	v := views.LettersView{Section: "members", Title: "利用開始案内の印刷・郵送（" + m.ID + "）",
		Back: views.Link{Href: base, Text: m.Name + "（" + m.ID + "）"}}
	guide := views.LetterLink{Title: "利用開始案内", For: m.Name + "（" + m.ID + "）",
		ResetAction: base + "/reset-password", ResetLabel: "パスワードを再発行する"}
	if l, ok := s.letters.get(m.ID, letterStartGuide); ok {
		guide.Href = base + "/letters/start-guide.pdf"
		guide.Expires = views.DateTime(l.ExpiresAt)
		v.Lead = "新しい初期パスワードを発行しました（次回ログイン時に変更が必要です。ログイン中のセッションは終了しました）。「利用開始案内」を印刷し、郵送してください。"
		v.MailedAction = base + "/letters/mailed"
	}
	v.Letters = []views.LetterLink{guide}
	return v
}

// memberStartGuideFile prints the held 利用開始案内 of a member.
func (s *Server) memberStartGuideFile(c *fiber.Ctx) (web.File, error) {
	m, err := s.memberParam(c)
	if err != nil {
		return web.File{}, err
	}
	l, ok := s.letters.get(m.ID, letterStartGuide)
	if !ok {
		return web.File{}, letterGone("利用開始案内", letterGoneAnyReason, "/admin/members/"+m.ID+"/letters")
	}
	return s.startGuideFile(c, l, "/admin/members/"+m.ID+"/letters")
}

// markMemberLettersMailed records a member's letter mailed and wipes the
// password from memory.
func (s *Server) markMemberLettersMailed(c *fiber.Ctx) error {
	m, err := s.memberParam(c)
	if err != nil {
		return err
	}
	if _, ok := s.letters.get(m.ID, letterStartGuide); !ok {
		return store.Errorf(store.ECONFLICT, "%s の郵送待ちの「利用開始案内」はありません（郵送済み、または期限切れで消去済みです）。", m.ID)
	}
	if web.Unconfirmed(c, "confirm_mailed") {
		return s.renderLetters(c, fiber.StatusUnprocessableEntity, s.memberLettersView(m))
	}
	if err := s.db.Audit(store.AuditEvent{Actor: web.MemberOf(c).ID, Action: store.AuditLetterMailed, Object: "member:" + m.ID,
		Remote: c.IP(), Detail: "利用開始案内"}); err != nil {
		return err
	}
	s.letters.wipe(m.ID)
	return web.Redirect(c, "/admin/members/"+m.ID+"/letters?done=updated")
}
