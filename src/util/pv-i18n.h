/*
 * pv-i18n.h: which words are translated: people's, not records'
 */
#pragma once

#include <locale.h>

locale_t pv_i18n_untranslated_begin(void);
locale_t pv_i18n_translated_begin(void);
void pv_i18n_end(locale_t previous);
