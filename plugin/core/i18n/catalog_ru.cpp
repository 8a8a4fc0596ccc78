#include "tgmesh/core/i18n/catalog.h"

namespace tgmesh::core::i18n {

extern const Catalog kRussian;
const Catalog kRussian = {
    .help =
        "<b>Мост в mesh</b> · канал <b>{channel}</b>\n"
        "/send <i>текст</i> — сообщение всем в канале mesh\n"
        "  <code>/send Встречаемся у домика в 6</code>\n"
        "/send_to_node <i>!id|имя текст</i> — личное сообщение узлу\n"
        "  <code>/send_to_node !a1b2c3d4 ты на связи?</code>\n"
        "/nodes — недавно слышимые узлы\n"
        "/probe — (админы) проверить, что мост публикует в брокер\n"
        "Обычные сообщения в этом чате уходят в канал mesh, если это включено.",
    .start_group =
        "В группах я вижу обычные сообщения, только если режим приватности выключен "
        "(BotFather → /setprivacy → Disable, затем удалите и снова добавьте меня) или я "
        "администратор. Команды работают всегда.",
    .sent_broadcast = "📡 Отправлено в {channel}",
    .sent_dm = "📨 Отправлено узлу {node}",
    .sent_parts = " ({n} частей)",
    .queued_behind = " (в очереди после {n})",
    .dm_legacy_note =
        "\nВнимание: отправлено ключом канала; узлы с прошивкой 2.7.14 и новее такие личные "
        "сообщения отклоняют.",
    .usage_send = "Использование: <code>/send ваш текст</code>",
    .usage_send_to_node =
        "Использование: <code>/send_to_node !a1b2c3d4 ваш текст</code> (или короткое либо "
        "полное имя узла)",
    .too_long =
        "✋ Слишком длинно для mesh: {len} байт. Помещается не больше {max} байт ({parts} "
        "частей по {part_bytes} байт).",
    .queue_full = "✋ Очередь mesh заполнена ({n} ждут). Попробуйте через минуту.",
    .empty_text = "✋ Нечего отправлять.",
    .node_not_found =
        "Нет известного узла «{query}». /nodes покажет известные узлы; id вида "
        "<code>!a1b2c3d4</code> работает всегда.",
    .node_ambiguous = "«{query}» подходит нескольким узлам: {list}. Укажите !id.",
    .admins_only = "✋ Эта команда только для администраторов моста.",
    .probe_published = "✅ Проба опубликована в <code>{topic}</code> через {ms} мс после команды.",
    .probe_failed = "❌ Брокер не принял пробу в <code>{topic}</code>.",
    .nodes_header = "<b>Слышимые узлы</b> ({n}):",
    .nodes_empty = "Пока не слышно ни одного узла.",
    .nodes_more = "…и ещё {n}.",
    .dm_marker = "✉️ ЛС",
    .hops_direct = "напрямую",
    .hops_one = "1 хоп",
    .hops_count = "{n} хоп.",
    .via = "через {gateway}",
    .seconds_ago = "{n} с назад",
    .minutes_ago = "{n} мин назад",
    .hours_ago = "{n} ч назад",
    .days_ago = "{n} дн назад",
    .unknown_command = "Неизвестная команда. /help покажет, что я умею.",
};

}  // namespace tgmesh::core::i18n
