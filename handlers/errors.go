package handlers

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"hotline/handlers/web"
	"hotline/store"
	"hotline/views"
)

// errorView describes an error for the person who met it.
func errorView(err error) views.ErrorView {
	var ferr *fiber.Error
	if errors.As(err, &ferr) {
		return fiberErrorView(ferr)
	}
	var ev *errorPage
	if errors.As(err, &ev) {
		return ev.view
	}
	code := store.ErrorCode(err)
	v := views.ErrorView{Status: web.StatusOf(code), Message: store.ErrorMessage(err)}
	switch code {
	case store.ENOTFOUND:
		v.Title = "ページが見つかりません"
		v.Links = []views.Link{{Href: "/", Text: "トップページへ"}}
	case store.ECONFLICT:
		v.Title = "この操作は現在の状態では実行できません"
	case store.EFORBIDDEN:
		v.Title = "アクセスできません"
		v.Links = []views.Link{{Href: "/", Text: "トップページへ"}}
	case store.EUNAUTHORIZED:
		v.Title = "ログインできません"
		v.Links = []views.Link{{Href: "/login", Text: "ログイン"}}
	case store.ETHROTTLED:
		v.Title = "しばらくお待ちください"
	case store.EINVALID:
		v.Title = "入力内容に誤りがあります"
	default:
		v.Title = "システムエラー"
		v.Detail = "問題が続く場合は、問合せフォームからご連絡ください。"
	}
	return v
}

func fiberErrorView(e *fiber.Error) views.ErrorView {
	v := views.ErrorView{Status: e.Code, Links: []views.Link{{Href: "/", Text: "トップページへ"}}}
	switch e.Code {
	case fiber.StatusNotFound:
		v.Title, v.Message = "ページが見つかりません", "指定されたページは存在しないか、移動しました。URLをご確認ください。"
	case fiber.StatusMethodNotAllowed:
		v.Title, v.Message = "この操作はできません", "このページはその方法では利用できません（405）。"
	case fiber.StatusRequestEntityTooLarge:
		v.Title, v.Message = "送信内容が大きすぎます", "送信されたデータが上限を超えています。添付ファイルを小さくするか、数を減らしてください。"
	case fiber.StatusRequestTimeout:
		v.Title, v.Message = "時間切れ", "送信に時間がかかりすぎました。もう一度お試しください。"
	case fiber.StatusInternalServerError:
		v.Title, v.Message = "システムエラー", store.ErrorMessage(e)
	default:
		if e.Code >= 500 {
			v.Title, v.Message = "システムエラー", store.ErrorMessage(e)
		} else {
			v.Title, v.Message = "リクエストを処理できません", "送信内容を確認してください。"
		}
	}
	return v
}

// errorPage is an error with a fully written page (e.g. the certificate
// explanation), still mapped to its status here.
type errorPage struct{ view views.ErrorView }

func (e *errorPage) Error() string { return e.view.Message }

// handleError renders every error that reaches Fiber. Internal errors are
// logged; users only ever see Japanese text.
func (s *Server) handleError(c *fiber.Ctx, err error) error {
	v := errorView(err)
	if v.Status >= 500 {
		s.log.Error("internal error", "method", c.Method(), "path", c.Path(), "err", err.Error())
	}
	c.Response().Header.Del(fiber.HeaderContentDisposition)
	return s.web.RenderStatus(c, v.Status, v.Title, views.ErrorPage(v))
}
