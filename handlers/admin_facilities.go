package handlers

import (
	"regexp"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// showFacilityList is the operator's 施設 list, searchable by name, OID or
// 医療機関コード.
func (s *Server) showFacilityList(c *fiber.Ctx) error {
	q := clipString(c.Query("q"), 100)
	all, err := s.db.Facilities()
	if err != nil {
		return err
	}
	found, err := s.db.SearchFacilities(q)
	if err != nil {
		return err
	}
	members, err := s.db.Members(func(m store.Member) bool { return m.FacilityOID != "" })
	if err != nil {
		return err
	}
	perFacility := map[string]int{}
	for _, m := range members {
		perFacility[m.FacilityOID]++
	}
	v := views.FacilityListView{Query: q, Total: len(all)}
	for _, f := range found {
		v.Rows = append(v.Rows, views.FacilityRow{Facility: f, Members: perFacility[f.OID]})
	}
	return s.web.Render(c, "施設", views.Admin("facilities", views.FacilityList(v)))
}

// showFacility is one facility with its members.
func (s *Server) showFacility(c *fiber.Ctx) error {
	f, err := s.facilityParam(c)
	if err != nil {
		return err
	}
	members, err := s.db.MembersOfFacility(f.OID)
	if err != nil {
		return err
	}
	_, held := s.letters.get(f.OID, letterFacilityInfo)
	return s.web.Render(c, f.Name, views.Admin("facilities", views.FacilityDetail(views.FacilityDetailView{
		Facility: f, Members: members, LettersHeld: held})))
}

// oidParam is an OID as URLs carry it.
var oidParam = regexp.MustCompile(`^F[0-9]{6}$`)

// facilityParam loads the facility named by :oid (404 for anything else).
func (s *Server) facilityParam(c *fiber.Ctx) (store.Facility, error) {
	oid := c.Params("oid")
	if !oidParam.MatchString(oid) {
		return store.Facility{}, store.NotFound()
	}
	return s.db.Facility(oid)
}

// resetFacilityPassword issues a new facility password and leads to the
// page that prints the new 施設登録情報.
func (s *Server) resetFacilityPassword(c *fiber.Ctx) error {
	f, err := s.facilityParam(c)
	if err != nil {
		return err
	}
	f, password, err := s.db.ResetFacilityPassword(f.OID, web.MemberOf(c).ID, c.IP())
	if err != nil {
		return err
	}
	s.letters.put(heldLetter{kind: letterFacilityInfo, subject: f.OID, name: f.Name}, password)
	return web.Redirect(c, "/admin/facilities/"+f.OID+"/letters")
}

// showFacilityLetters prints a reset's 施設登録情報 and records it mailed.
func (s *Server) showFacilityLetters(c *fiber.Ctx) error {
	f, err := s.facilityParam(c)
	if err != nil {
		return err
	}
	return s.renderLetters(c, fiber.StatusOK, s.facilityLettersView(f))
}

func (s *Server) facilityLettersView(f store.Facility) views.LettersView {
	base := "/admin/facilities/" + f.OID
	v := views.LettersView{Section: "facilities", Title: "施設登録情報の印刷・郵送（" + f.OID + "）",
		Back: views.Link{Href: base, Text: f.Name}}
	info := views.LetterLink{Title: "施設登録情報", For: f.Name + "（" + f.OID + "）",
		ResetAction: base + "/reset-password", ResetLabel: "施設パスワードを再発行する"}
	if l, ok := s.letters.get(f.OID, letterFacilityInfo); ok {
		info.Href = base + "/letters/facility-info.pdf"
		info.Expires = views.DateTime(l.ExpiresAt)
		v.Lead = "施設パスワードを再発行しました。「施設登録情報」を印刷し、施設へ郵送してください。"
		v.MailedAction = base + "/letters/mailed"
	}
	v.Letters = []views.LetterLink{info}
	return v
}

// facilityInfoLetterFile prints the held 施設登録情報 of a facility.
func (s *Server) facilityInfoLetterFile(c *fiber.Ctx) (web.File, error) {
	f, err := s.facilityParam(c)
	if err != nil {
		return web.File{}, err
	}
	l, ok := s.letters.get(f.OID, letterFacilityInfo)
	if !ok {
		return web.File{}, letterGone("施設登録情報", letterGoneAnyReason, "/admin/facilities/"+f.OID+"/letters")
	}
	return s.facilityInfoFile(c, l, "/admin/facilities/"+f.OID+"/letters")
}

// markFacilityLettersMailed records a facility's letter mailed and wipes
// the password from memory.
func (s *Server) markFacilityLettersMailed(c *fiber.Ctx) error {
	f, err := s.facilityParam(c)
	if err != nil {
		return err
	}
	if _, ok := s.letters.get(f.OID, letterFacilityInfo); !ok {
		return store.Errorf(store.ECONFLICT, "施設 %s の郵送待ちの「施設登録情報」はありません（郵送済み、または期限切れで消去済みです）。", f.OID)
	}
	if web.Unconfirmed(c, "confirm_mailed") {
		return s.renderLetters(c, fiber.StatusUnprocessableEntity, s.facilityLettersView(f))
	}
	if err := s.db.Audit(store.AuditEvent{Actor: web.MemberOf(c).ID, Action: store.AuditLetterMailed, Object: "facility:" + f.OID,
		Remote: c.IP(), Detail: "施設登録情報"}); err != nil {
		return err
	}
	s.letters.wipe(f.OID)
	return web.Redirect(c, "/admin/facilities/"+f.OID+"?done=updated")
}
