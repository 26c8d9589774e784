package web

import (
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"hotline/store"
)

// Throttled answers a throttled attempt (a login, a PRS unlock, …): the
// form again through show, with the throttle's message, status 429 and a
// Retry-After header. Any other error is returned as it is.
func (k *Kit) Throttled(c *fiber.Ctx, retry time.Time, show func(error) error, err error) error {
	if err == nil {
		err = store.Errorf(store.ETHROTTLED, "しばらく待ってからもう一度お試しください。")
	}
	if store.ErrorCode(err) != store.ETHROTTLED {
		return err
	}
	if !retry.IsZero() {
		secs := int(math.Ceil(retry.Sub(k.db.Now()).Seconds()))
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(secs, 1)))
	}
	return show(err)
}
