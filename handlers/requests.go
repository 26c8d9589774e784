package handlers

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// requestKinds are the kinds this session may file: a password-only session
// (no certificate yet) only the certificate reissue.
func requestKinds(sess *store.Session) []store.RequestKind {
	if sess.PasswordOnly {
		return []store.RequestKind{store.RequestCertReissue}
	}
	return store.RequestKinds
}

func (s *Server) requestsView(c *fiber.Ctx, f views.Form) (views.RequestsView, error) {
	m, sess := web.MemberOf(c), web.SessionOf(c)
	mine, err := s.db.MemberRequests(m.ID)
	if err != nil {
		return views.RequestsView{}, err
	}
	f = views.NewForm(store.RequestSpec, f.Values)
	kinds := views.RequestKindOptions(requestKinds(sess))
	if len(kinds) > 1 {
		// The member chooses the kind deliberately.
		kinds = append([]views.Option{{Value: "", Label: "選択してください"}}, kinds...)
	}
	return views.RequestsView{Form: f, Kinds: kinds, PasswordOnly: sess.PasswordOnly, Requests: mine}, nil
}

// showRequests is the 申請フォーム with the member's own requests;
// ?kind= preselects a kind.
func (s *Server) showRequests(c *fiber.Ctx) error {
	kind := c.Query("kind")
	if !store.RequestKind(kind).Valid() {
		kind = ""
	}
	v, err := s.requestsView(c, views.Form{Values: map[string]string{"kind": kind}})
	if err != nil {
		return err
	}
	return s.web.Render(c, "申請フォーム", views.Requests(v))
}

// saveRequest files a request. A password-only session may file only the
// certificate reissue (403 for the others).
func (s *Server) saveRequest(c *fiber.Ctx) error {
	m, sess := web.MemberOf(c), web.SessionOf(c)
	values := web.Bind(c, store.RequestSpec)
	kind := store.RequestKind(values["kind"])
	if sess.PasswordOnly && kind.Valid() && kind != store.RequestCertReissue {
		return store.Errorf(store.EFORBIDDEN, "証明書をお持ちでない状態では「証明書の再発行」のみ申請できます。証明書を発行してからログインし直してください。")
	}
	_, err := s.db.CreateRequest(m.ID, store.RequestForm{Kind: kind, Body: values["body"]}, c.IP())
	if err != nil {
		if code := store.ErrorCode(err); code != store.EINVALID && code != store.ECONFLICT {
			return err
		}
		v, verr := s.requestsView(c, views.Form{Values: values})
		if verr != nil {
			return verr
		}
		return s.web.InvalidForm(c, err, "申請フォーム", func(f views.Form) templ.Component {
			v.Form = f
			return views.Requests(v)
		}, v.Form)
	}
	return web.Redirect(c, "/requests?done=sent")
}
