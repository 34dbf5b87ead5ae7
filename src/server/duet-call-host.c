/* duet-call-host.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The call router keeps calls; the sessions of the users in them are
 * someone else's (a server's table today, a node's in a cluster). This
 * is all it needs of them.
 */
#include "config.h"

#include "duet-call-host.h"

G_DEFINE_INTERFACE (DuetCallHost, duet_call_host, G_TYPE_OBJECT)

static void
duet_call_host_default_init (DuetCallHostInterface *iface)
{
}

/**
 * duet_call_host_device_session:
 * @device_id: (nullable): NULL for any device of the user
 *
 * Returns: (transfer none) (nullable): the connection of that device of
 *   the user, if it is signed in
 */
DuetSession *
duet_call_host_device_session (DuetCallHost *self,
                               const char   *service,
                               const char   *user,
                               const char   *device_id)
{
  g_return_val_if_fail (DUET_IS_CALL_HOST (self), NULL);

  return DUET_CALL_HOST_GET_IFACE (self)->device_session (self, service, user, device_id);
}

/**
 * duet_call_host_user_sessions:
 *
 * Returns: (transfer full): a new array holding a reference on the
 *   connection of each signed-in device of the user; never NULL. A copy,
 *   since a send may close a slow client.
 */
GPtrArray *
duet_call_host_user_sessions (DuetCallHost *self,
                              const char   *service,
                              const char   *user)
{
  g_return_val_if_fail (DUET_IS_CALL_HOST (self), NULL);

  return DUET_CALL_HOST_GET_IFACE (self)->user_sessions (self, service, user);
}

/**
 * duet_call_host_call_budget:
 *
 * Returns: (transfer none): the calls an account may still place, shared by
 *   all its connections
 */
DuetTokenBucket *
duet_call_host_call_budget (DuetCallHost *self,
                            gint64        account_id)
{
  g_return_val_if_fail (DUET_IS_CALL_HOST (self), NULL);

  return DUET_CALL_HOST_GET_IFACE (self)->call_budget (self, account_id);
}

/**
 * duet_call_host_user_call_elsewhere:
 *
 * Returns: (transfer none) (nullable): the user's call if another node
 *   owns it (a user has one call at a time, whichever node owns it)
 */
DuetCallRecord *
duet_call_host_user_call_elsewhere (DuetCallHost *self,
                                    const char   *service,
                                    const char   *user)
{
  DuetCallHostInterface *iface;

  g_return_val_if_fail (DUET_IS_CALL_HOST (self), NULL);
  iface = DUET_CALL_HOST_GET_IFACE (self);
  return iface->user_call_elsewhere != NULL ? iface->user_call_elsewhere (self, service, user) : NULL;
}

/**
 * duet_call_host_forward_request:
 *
 * Hands @message, about a call the router does not have, to the node that
 * owns it.
 *
 * Returns: FALSE if no other node owns @call_id
 */
gboolean
duet_call_host_forward_request (DuetCallHost *self,
                                DuetSession  *session,
                                const char   *call_id,
                                JsonObject   *message)
{
  DuetCallHostInterface *iface;

  g_return_val_if_fail (DUET_IS_CALL_HOST (self), FALSE);
  iface = DUET_CALL_HOST_GET_IFACE (self);
  return iface->forward_request != NULL && iface->forward_request (self, session, call_id, message);
}
