#include "tgmesh/core/i18n/catalog.h"

namespace tgmesh::core::i18n {

namespace {
constexpr std::pair<uint32_t, std::string_view> kRoutingErrors[] = {
    {1, "нет маршрута до узла"},
    {2, "отклонено ретранслятором"},
    {3, "истекло время ожидания"},
    {4, "нет интерфейса"},
    {5, "нет ответа после повторов"},
    {6, "у узла нет такого канала"},
    {7, "слишком длинно"},
    {8, "нет ответа"},
    {9, "исчерпан лимит эфирного времени"},
    {32, "неверный запрос"},
    {33, "нет прав"},
    {34, "ошибка шифрования"},
    {35, "узел ещё не знает ключ моста"},
    {36, "неверный ключ сеанса администратора"},
    {37, "ключ администратора не разрешён"},
    {38, "превышен лимит частоты"},
    {39, "нет открытого ключа узла"},
};
}  // namespace

extern const Catalog kRussian;
const Catalog kRussian = {
    .help =
        "<b>Мост в mesh</b> · канал <b>{channel}</b>\n"
        "/send <i>текст</i> — сообщение всем в канале mesh\n"
        "  <code>/send Встречаемся у домика в 6</code>\n"
        "/send_to_node <i>!id|имя текст</i> — личное сообщение узлу\n"
        "  <code>/send_to_node !a1b2c3d4 ты на связи?</code>\n"
        "/write — выбрать узел из списка и написать ему\n"
        "/send_nearby <i>текст</i> — услышат только узлы в прямой видимости шлюзов\n"
        "  <code>/send_nearby кто рядом с домиком?</code>\n"
        "/nodes [<i>фильтр</i>] — недавно слышимые узлы\n"
        "  <code>/nodes base</code>\n"
        "/node <i>!id|имя</i> — всё об одном узле, с его местоположением\n"
        "  <code>/node Base Camp</code>\n"
        "/trace <i>!id|имя</i> — маршрут до узла и обратно, с уровнем сигнала\n"
        "  <code>/trace Base Camp</code>\n"
        "Ответьте на сообщение из mesh, чтобы ответить туда (лично, если это было ЛС); "
        "реакция на него тоже уйдёт туда.\n"
        "Отправьте геопозицию — в mesh она появится как метка на час.\n"
        "Обычные сообщения в этом чате уходят в канал mesh, если это включено.",
    .help_admin =
        "\n<b>Администраторам</b>\n"
        "/status — время работы, шлюзы, очереди и счётчики\n"
        "/probe — проверить, что мост публикует в брокер\n"
        "/forget_key <i>!id|имя</i> — забыть закреплённый открытый ключ узла\n"
        "/block, /unblock — ответьте на сообщение пользователя (или укажите !id), чтобы "
        "запретить или снова разрешить его сообщения",
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
    .sent_dm_pki = "🔐 Отправлено узлу {node}, со сквозным шифрованием",
    .dm_key_unknown =
        "\nОтправлено ключом канала: открытый ключ узла {node} пока неизвестен, а прошивка "
        "2.7.14 и новее такие личные сообщения отклоняет. Я запросил у узла ключ, следующее "
        "сообщение будет зашифровано.",
    .dm_reply_hint = "Ответьте на это сообщение, чтобы написать {node}.",
    .pki_marker = "🔐",
    .delivered = "✅ доставлено",
    .not_delivered = "❌ не доставлено: {reason}",
    .legacy_dm_refused =
        "узел принимает только ЛС со сквозным шифрованием (прошивка 2.7.14 и новее), а его ключ "
        "пока неизвестен",
    .dm_needs_key =
        "✋ {node} принимает только ЛС со сквозным шифрованием, а его открытый ключ пока "
        "неизвестен. Я запросил ключ у узла: попробуйте снова, когда /node покажет 🔐.",
    .no_ack = "⌛ нет подтверждения за {s} с",
    .routing_error = "ошибка {code}",
    .reaction_from = "{emoji} от {node}",
    .topic_not_bridged = "✋ Эта тема не связана с каналом mesh.",
    .usage_send_nearby = "Использование: <code>/send_nearby ваш текст</code>",
    .sent_nearby = "📡 Отправлено узлам в прямой видимости шлюзов ({channel})",
    .nearby_heard = "\nНапрямую за последний час слышны: {list}",
    .nearby_none = "\nЗа последний час напрямую не был слышен ни один узел.",
    .write_choose = "Выберите узел, которому написать:",
    .write_prompt = "Ваше сообщение для {node}:",
    .write_placeholder = "сообщение для {node}",
    .write_to = "✍️ Пишем {node}…",
    .write_cancelled = "Отменено.",
    .button_cancel = "✖ Отмена",
    .button_prev = "◀",
    .button_next = "▶",
    .page = "стр. {page}/{pages}",
    .callback_foreign = "Это меню пользователя {name}.",
    .callback_expired = "Меню устарело; отправьте команду ещё раз.",
    .usage_node = "Использование: <code>/node !a1b2c3d4</code> (или короткое либо полное имя узла)",
    .nodes_matching = "<b>Узлы по запросу «{filter}»</b> ({n}):",
    .node_hardware = "Устройство: {hw}",
    .node_role = "Роль: {role}",
    .node_last_heard = "Последний раз слышен: {age}",
    .node_battery = "Батарея: {percent}%",
    .node_powered = "Батарея: внешнее питание",
    .node_voltage = "Напряжение: {volts} В",
    .node_position = "Местоположение: {age}",
    .node_no_position = "Местоположение: неизвестно",
    .node_key_known = "🔐 Открытый ключ известен: ЛС шифруются сквозным шифрованием",
    .node_key_unknown = "Открытый ключ пока неизвестен",
    .node_heard_via = "Слышен через:",
    .node_key_mismatches =
        "⚠️ "
        "Отклонено NODEINFO с другим ключом: {n}. Первый ключ закреплён, как на узлах. "
        "Если у узла действительно новый ключ: <code>/forget_key {id}</code>",
    .usage_forget_key =
        "Использование: <code>/forget_key !a1b2c3d4</code> (или имя узла): забыть закреплённый "
        "открытый ключ узла; его следующий NODEINFO задаст ключ заново",
    .key_forgotten =
        "🔓 Открытый ключ узла {node} забыт: его следующий NODEINFO задаст ключ; до тех пор ЛС "
        "идут с ключом канала.",
    .key_none = "У {node} нет открытого ключа, который можно забыть.",
    .not_a_node =
        "✋ {query} — не узел, которому можно написать (широковещательный адрес, 0 или "
        "сам мост).",
    .cmd_forget_key = "Забыть закреплённый открытый ключ узла",
    .status_title = "<b>Состояние моста</b> · работает {uptime}",
    .status_gateways = "Шлюзы за последние 15 мин: {n}",
    .status_gateway = "• {gateway} · узлов: {nodes} · последний раз {age}",
    .status_queues = "Очереди: mesh {mesh}, чат {chat}",
    .status_counters =
        "Принято {uplinks} · расшифровано {decoded} · повторов {duplicates} · не расшифровано "
        "{undecryptable}\nВ Telegram {to_telegram} · отправлено {sent} · в mesh {downlinks}\n"
        "Ошибок Telegram {errors} · 429: {too_many}",
    .status_drops = "Отброшено: {list}",
    .status_findings = "⚠️ <b>Проблемы</b>\n{list}",
    .not_bridged_chat =
        "Этот чат не связан с mesh. Его id — <code>{chat}</code>: чтобы связать его, добавьте "
        "id в <code>chat_ids</code> моста (<code>plugin_opt_chat_ids {chat}</code>) и "
        "перезапустите или перезагрузите mosquitto.",
    .not_bridged_private =
        "\nВаш id пользователя Telegram — <code>{user}</code>: добавьте его в "
        "<code>admin_ids</code>, чтобы пользоваться здесь /status и /probe.",
    .admin_chat_only =
        "Этот личный чат не связан с mesh: здесь работают только команды администратора "
        "(/status, /probe, /forget_key).",
    .finding_no_uplinks =
        "Ни одного сообщения от шлюзов за {minutes} мин с запуска: проверьте, что корневой топик "
        "MQTT шлюзов есть в topic_root, что на их канале включён uplink и что они доходят до "
        "этого брокера.",
    .finding_no_uplinks_since =
        "Ни одного сообщения от шлюзов уже {minutes} мин: шлюзы ещё подключены?",
    .finding_unknown_channel =
        "{count} сообщений за последний час в канале {channel} (хэш {hash}, через {gateways}), "
        "которые не открывает ни один ключ из channel_keys.",
    .finding_unknown_channel_default =
        " Похоже на {channel} с ключом по умолчанию: добавьте {channel}=AQ== в channel_keys, "
        "чтобы читать его.",
    .finding_unknown_channel_named =
        " Добавьте {channel}=<его PSK в base64> в channel_keys, чтобы читать его, или проверьте "
        "указанный ключ.",
    .finding_telegram_unauthorized =
        "Bot API не принимает токен бота (401/404): проверьте bot_token / bot_token_file и "
        "api_url.",
    .finding_chat_unreachable =
        "Telegram не принимает сообщения в чат {chat} ({reason}): добавьте бота в этот чат "
        "снова или исправьте chat_ids.",
    .finding_privacy_mode =
        "Бот не видит обычные сообщения в группах (режим приватности), а chat_to_mesh включён, "
        "поэтому в mesh попадают только команды: BotFather → /setprivacy → Disable, затем "
        "удалите и снова добавьте бота, или сделайте его администратором группы.",
    .finding_ignore_mqtt_region =
        "Корень {root} относится к региону {region} с ограничением duty cycle: прошивка там по "
        "умолчанию включает LoRa «Ignore MQTT», и узел с этой настройкой отбрасывает всё, что "
        "отправляет мост. Выключите её на шлюзах и на узлах, которые должны слышать чат.",
    .alert_new_node = "🆕 Новый узел: {node}",
    .alert_silent = "🔇 {node} молчит уже {hours} ч (обычно слышен почти каждый день)",
    .alert_battery = "🪫 {node}: батарея {percent}%",
    .cmd_help = "Команды с примерами",
    .cmd_send = "Сообщение всем в канале mesh",
    .cmd_send_to_node = "Личное сообщение узлу (!id или имя)",
    .cmd_send_nearby = "Сообщение узлам в прямой видимости шлюзов",
    .cmd_write = "Выбрать узел из списка и написать ему",
    .cmd_nodes = "Недавно слышимые узлы (можно с фильтром)",
    .cmd_node = "Подробности и местоположение узла",
    .cmd_probe = "Проверить, что мост публикует в брокер",
    .cmd_status = "Время работы, шлюзы, очереди и счётчики",
    .cmd_trace = "Маршрут до узла и обратно (traceroute)",
    .usage_trace = "Использование: <code>/trace !a1b2c3d4</code> или <code>/trace имя</code>",
    .trace_started = "🛰 Прокладываю маршрут до {node}…",
    .trace_busy = "Маршрут до {node} уже прокладывается.",
    .trace_json_mode =
        "Traceroute работает только с downlink protobuf (там мост — отдельный узел).",
    .trace_result = "🛰 Маршрут до {node}\n→ {there}\n← {back}",
    .trace_back_unknown = "(обратный путь не сообщён)",
    .trace_timeout =
        "🛰 {node} не ответил за {s} с: вне зоны связи "
        "или не отвечает на traceroute.",
    .waypoint_sent = "📍 Отправлено в {channel} как метка: узлы покажут её на карте час",
    .waypoint_from = "Метка от {node}",
    .waypoint_unnamed = "Метка",
    .rate_limited =
        "⏳ Не больше {n} сообщений в mesh за 10 минут: эфир общий. "
        "Попробуйте через {minutes} мин.",
    .cmd_block = "Запретить сообщения пользователя или узла",
    .cmd_unblock = "Снова разрешить сообщения пользователя или узла",
    .usage_block =
        "Ответьте <code>/block</code> на сообщение пользователя (или узла mesh), либо "
        "укажите <code>/block !a1b2c3d4</code> или id пользователя Telegram.",
    .blocked_user = "🚫 Сообщения {user} больше не уходят в mesh.",
    .blocked_node = "🚫 Сообщения узла {node} больше не приходят в чат.",
    .unblocked_user = "✅ Сообщения {user} снова уходят в mesh.",
    .unblocked_node = "✅ Сообщения узла {node} снова приходят в чат.",
    .block_in_config =
        "{what} заблокирован в конфигурации (blocked_users / blocked_nodes): измените там.",
    .not_blocked = "{what} не заблокирован.",
    .block_admin = "Администраторов заблокировать нельзя.",
    .block_full = "Список блокировок заполнен ({n}).",
    .status_blocked = "Заблокировано: пользователей {users}, узлов {nodes}",
    .node_environment = "Окружающая среда: {list} ({age})",
    .node_airtime = "Эфир: канал занят {channel}%, передача {tx}% ({age})",
    .node_neighbors = "Соседи ({age}): {list}",
    .routing_errors = kRoutingErrors,
};

}  // namespace tgmesh::core::i18n
