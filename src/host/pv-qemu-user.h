/*
 * pv-qemu-user.h: the user QEMU runs as, and which directories keep it out
 */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct _PvQemuUser PvQemuUser;

gboolean pv_qemu_user_parse_caps(const char *caps_xml, const char *virt_type, uid_t *uid,
                                 gid_t *gid);
PvQemuUser *pv_qemu_user_new(uid_t uid, gid_t gid);
PvQemuUser *pv_qemu_user_new_from_caps(const char *caps_xml);
void pv_qemu_user_free(PvQemuUser *user);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PvQemuUser, pv_qemu_user_free)

uid_t pv_qemu_user_get_uid(const PvQemuUser *user);
const char *pv_qemu_user_peek_name(const PvQemuUser *user);
gboolean pv_qemu_user_is_checked(const PvQemuUser *user);
gboolean pv_qemu_user_can_enter(PvQemuUser *user, const char *dir, char **blocker);
gboolean pv_qemu_user_can_read(PvQemuUser *user, const char *path, char **blocker);
char *pv_qemu_user_format_fix(const PvQemuUser *user, const char *dir);
