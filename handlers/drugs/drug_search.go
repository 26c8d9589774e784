package drugs

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	drugviews "hotline/views/drugs"
)

// showDrugSearch is 医薬品検索: GET /drugs?q=&offset=. The live search
// (htmx, not a boosted navigation) gets the results fragment alone; a
// plain GET, as the form sends without JavaScript, the whole page with
// the same list.
func (h *Handlers) showDrugSearch(c *fiber.Ctx) error {
	offset, _ := strconv.Atoi(c.Query("offset"))
	page, err := h.db.SearchDrugs(store.DrugQuery{Q: c.Query("q"), Offset: max(offset, 0)})
	v := drugviews.DrugResultsView{Page: page}
	status := fiber.StatusOK
	if err != nil {
		if store.ErrorCode(err) != store.EINVALID {
			return err
		}
		status = fiber.StatusUnprocessableEntity
		v.Error = store.ErrorMessage(err)
		if msg := store.ErrorFields(err)["q"]; msg != "" {
			v.Error = msg
		}
	}
	if web.IsHTMX(c) && c.Get("HX-Boosted") != "true" && c.Get("HX-History-Restore-Request") != "true" {
		c.Status(status)
		return h.web.Partial(c, drugviews.DrugResults(v))
	}
	return h.web.RenderStatus(c, status, "医薬品検索", drugviews.SearchPage(drugviews.SearchPageView{Results: v}))
}
