package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

func (s *Server) operatorsPage(c *fiber.Ctx, f views.Form, created *views.CreatedOperator) (templ.Component, error) {
	ops, err := s.db.Operators()
	if err != nil {
		return nil, err
	}
	f = f.WithSpec(store.OperatorSpec)
	return views.Admin("operators", views.AdminOperators(views.OperatorsView{
		Me: web.MemberOf(c).ID, Operators: ops, Form: f, Created: created,
	})), nil
}

// showOperators lists operator accounts with the form to add one.
func (s *Server) showOperators(c *fiber.Ctx) error {
	page, err := s.operatorsPage(c, views.Form{}, nil)
	if err != nil {
		return err
	}
	return s.web.Render(c, "運営者", page)
}

// createOperator adds a named operator. The generated initial password is
// shown once, on this response: it is never stored in clear, so the page
// is answered directly rather than through a redirect.
func (s *Server) createOperator(c *fiber.Ctx) error {
	values := web.Bind(c, store.OperatorSpec)
	form := store.OperatorFormFrom(values)
	if err := form.Validate(); err != nil {
		return s.invalidOperatorForm(c, err, values)
	}
	password := store.NewInitialPassword()
	op, err := s.db.CreateOperator(form, store.HashPassword(password), web.MemberOf(c).ID, c.IP())
	if err != nil {
		return s.invalidOperatorForm(c, err, values)
	}
	page, err := s.operatorsPage(c, views.Form{}, &views.CreatedOperator{ID: op.ID, Name: op.Name, Password: password})
	if err != nil {
		return err
	}
	return s.web.Render(c, "運営者", page)
}

func (s *Server) invalidOperatorForm(c *fiber.Ctx, err error, values map[string]string) error {
	if store.ErrorCode(err) == store.EINTERNAL {
		return err
	}
	page, perr := s.operatorsPage(c, views.Form{Values: values, Errors: store.ErrorFields(err)}, nil)
	if perr != nil {
		return perr
	}
	return s.web.RenderStatus(c, web.StatusOf(store.ErrorCode(err)), "運営者", page)
}

// operatorAction changes another operator's status; never oneself, never
// the last active operator (409).
func (s *Server) operatorAction(c *fiber.Ctx, do func(id, actor, remote string) error) error {
	op, err := s.db.Member(c.Params("id"))
	if err != nil {
		return err
	}
	if !op.IsOperator() {
		return store.NotFound()
	}
	if err := do(op.ID, web.MemberOf(c).ID, c.IP()); err != nil {
		return err
	}
	return web.Redirect(c, "/admin/operators?done=updated")
}

// lockOperator stops another operator's account.
func (s *Server) lockOperator(c *fiber.Ctx) error { return s.operatorAction(c, s.db.LockMember) }

// unlockOperator lets a locked operator log in again.
func (s *Server) unlockOperator(c *fiber.Ctx) error {
	return s.operatorAction(c, s.db.UnlockMember)
}
