package drugs

import (
	"github.com/gofiber/fiber/v2"

	drugviews "hotline/views/drugs"
)

// showDrug is the 添付文書 page: every field of the master, the link to
// the insert at PMDA and the alternatives. A code found only in the
// previous master (a prescription issued against it) still shows, saying
// so; an unknown code answers 404.
func (h *Handlers) showDrug(c *fiber.Ctx) error {
	l, err := h.db.LookupDrug(c.Params("code"))
	if err != nil {
		return err
	}
	alts, err := h.db.DrugAlternatives(l.Drug.Code)
	if err != nil {
		return err
	}
	st, err := h.db.Settings()
	if err != nil {
		return err
	}
	return h.web.Render(c, l.Drug.Name, drugviews.DrugPage(drugviews.DrugPageView{
		Lookup: l, Alternatives: alts, InsertURL: st.DrugPackageInsertURL(l.Drug),
		Back: drugviews.BackQuery(c.Query("q")), Today: h.db.Now(),
	}))
}
