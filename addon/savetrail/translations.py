"""Every user-facing string of SaveTrail with its Russian, registered with bpy.app.translations.

Blender translates labels, property names and tooltips itself; reports and status
messages go through text(). The delivery core's messages (messages.py) are here too:
the worker translates each template with text() before filling in its fields.
"""

# ruff: noqa: E501  (a table of whole sentences, one pair a line, like Blender's own add-on translation files)

import bpy

# Names and brands that read the same in every language.
UNTRANSLATED = ("SaveTrail",)

RUSSIAN = {
    # bl_info, shown in the add-on list of Blender before 4.2
    "Save the scene and report who saved which file, and when": "Сохранить сцену и сообщить, кто, какой файл и когда сохранил",
    "3D Viewport > Sidebar > SaveTrail, and File > Save & Report": "3D-вьюпорт > Боковая панель > SaveTrail, а также Файл > Сохранить и сообщить",
    # Operators: labels and tooltips
    "Save & Report": "Сохранить и сообщить",
    "Save the current file and report the save to the studio's SaveTrail server": "Сохранить текущий файл и сообщить о сохранении серверу SaveTrail студии",
    "Send Pending": "Отправить ожидающие",
    "Send the reports that are waiting in the outbox now": "Отправить сейчас отчёты, ожидающие в очереди",
    "SaveTrail Message": "Сообщение SaveTrail",
    "Show a delivery problem in the status bar and the Info log": "Показать проблему доставки в строке состояния и в журнале «Инфо»",
    # Operator reports
    "This file has never been saved: choose where to save it (File > Save As) and try again": "Этот файл ещё ни разу не сохранялся: выберите, куда его сохранить (Файл > Сохранить как), и повторите",
    "Could not save the file: {}": "Не удалось сохранить файл: {}",
    "Choose a file name to save to, not a folder: {}": "Укажите имя файла для сохранения, а не папку: {}",
    "Saved; the report is on its way to the server": "Сохранено; отчёт отправляется на сервер",
    "Sending the pending reports": "Отправка ожидающих отчётов",
    "SaveTrail has no settings in this session: enable it in Preferences > Add-ons": "У SaveTrail нет настроек в этом сеансе: включите его в Настройки > Дополнения",
    # Panel
    "Set the server URL and API key in the add-on's preferences": "Укажите адрес сервера и API-ключ в настройках дополнения",
    "Online access is off: reports wait in the outbox": "Доступ в интернет выключен: отчёты ждут в очереди",
    "Allow it in Preferences > System > Network": "Разрешите его: Настройки > Система > Сеть",
    "Send Pending ({})": "Отправить ожидающие ({})",
    "Rejected by the server: {}": "Отклонено сервером: {}",
    # Preferences
    "Server URL": "Адрес сервера",
    "Address of the studio's SaveTrail server, for example https://savetrail.studio.example; empty uses the server this add-on was installed from": "Адрес сервера SaveTrail студии, например https://savetrail.studio.example; если пусто — сервер, с которого установлено дополнение",
    "API Key": "API-ключ",
    "The key your pipeline team gave you for this workstation or artist": "Ключ, который пайплайн-команда выдала для этой рабочей станции или художника",
    "User Name": "Имя пользователя",
    "Name reported with each save; empty uses your operating system login": "Имя, передаваемое с каждым сохранением; если пусто — логин в операционной системе",
    "Report Every Save": "Сообщать о каждом сохранении",
    "Report every save, Ctrl+S included, not only the Save & Report button": "Сообщать о каждом сохранении, включая Ctrl+S, а не только о нажатии «Сохранить и сообщить»",
    "Connect Timeout": "Тайм-аут подключения",
    "Seconds to wait for the server to accept a connection": "Сколько секунд ждать, пока сервер примет подключение",
    "Read Timeout": "Тайм-аут ответа",
    "Seconds to wait for the server's answer once connected": "Сколько секунд ждать ответа сервера после подключения",
    "CA Certificate File": "Файл сертификата УЦ",
    "PEM file of your studio's certificate authority, for a server with a private certificate": "PEM-файл удостоверяющего центра студии, для сервера с частным сертификатом",
    "Network": "Сеть",
    # Delivery core (messages.py): what happened to the last delivery attempt
    "Sent": "Отправлено",
    "Reports sent: {count}": "Отправлено отчётов: {count}",
    "{problem}, will retry in {seconds} s": "{problem}, повтор через {seconds} с",
    "Rejected by the server: {reason}": "Отклонено сервером: {reason}",
    "The API key is wrong or revoked: set a new key in the preferences": "API-ключ неверен или отозван: укажите новый ключ в настройках",
    "The API key may not send reports: ask for a key that may": "С этим API-ключом нельзя отправлять отчёты: попросите ключ с таким правом",
    "The API key contains characters a key cannot have: paste it again in the preferences": "В API-ключе есть недопустимые символы: вставьте его в настройках заново",
    "Online access is off: allow it in Preferences > System > Network": "Доступ в интернет выключен: разрешите его в Настройки > Система > Сеть",
    "Set the server URL and the API key in the preferences": "Укажите адрес сервера и API-ключ в настройках",
    "The server URL must start with http:// or https://: check it in the preferences": "Адрес сервера должен начинаться с http:// или https://: проверьте его в настройках",
    "Another Blender session is sending the reports": "Отчёты отправляет другой сеанс Blender",
    # Delivery core: why a request did not reach the server or got no usable answer
    "Server unreachable": "Сервер недоступен",
    "Server name {host} not found": "Имя сервера {host} не найдено",
    "Server did not accept the connection in {seconds} s": "Сервер не принял подключение за {seconds} с",
    "Server did not answer in {seconds} s": "Сервер не ответил за {seconds} с",
    "Connection dropped before the server answered": "Соединение оборвалось до ответа сервера",
    "Network error: {reason}": "Ошибка сети: {reason}",
    "Proxy {proxy} unreachable": "Прокси {proxy} недоступен",
    "The proxy {proxy} refused the connection: {reason}": "Прокси {proxy} отказал в подключении: {reason}",
    "Proxy {proxy} not supported: only http:// proxies work": "Прокси {proxy} не поддерживается: работают только прокси http://",
    "The server's certificate is not trusted (self-signed or private CA): set the CA file in the preferences": "Сертификату сервера нет доверия (самоподписанный или частный УЦ): укажите файл УЦ в настройках",
    "The server's certificate has expired or is not valid yet": "Срок действия сертификата сервера истёк или ещё не начался",
    "The server's certificate is not valid for {host}": "Сертификат сервера не действителен для {host}",
    "The server's certificate was refused: {reason}": "Сертификат сервера отвергнут: {reason}",
    "Secure connection failed: {reason}": "Не удалось установить защищённое соединение: {reason}",
    "The CA file cannot be used: {path}": "Файл УЦ нельзя использовать: {path}",
    "Server error (HTTP {status})": "Ошибка сервера (HTTP {status})",
    "The server is busy (HTTP {status})": "Сервер занят (HTTP {status})",
    "The server redirects to {location}: use that address in the preferences": "Сервер перенаправляет на {location}: укажите этот адрес в настройках",
    "The server's answer is not understood (HTTP {status})": "Ответ сервера не удалось разобрать (HTTP {status})",
    "The server does not speak HTTPS at this address: check the server URL in the preferences": "Сервер по этому адресу не работает по HTTPS: проверьте адрес сервера в настройках",
    "This address does not answer like a SaveTrail server (HTTP {status}): check the server URL": "По этому адресу отвечает не сервер SaveTrail (HTTP {status}): проверьте адрес сервера",
    "Delivery stopped": "Доставка остановлена",
    # Delivery core: reasons written when the server sends none
    "a different report with the same event_id is already stored": "другой отчёт с тем же event_id уже сохранён",
    "HTTP {status} {phrase}": "HTTP {status} {phrase}",
}

# Blender translates an operator's label in the "Operator" context; tooltips and
# everything else use the default context "*".
OPERATOR_LABELS = ("Save & Report", "Send Pending", "SaveTrail Message")


def translation_table() -> dict:
    """Return the table bpy.app.translations.register() takes."""
    russian = {("*", message): translation for message, translation in RUSSIAN.items()}
    russian.update({("Operator", label): RUSSIAN[label] for label in OPERATOR_LABELS})
    return {"ru_RU": russian}


def text(message: str) -> str:
    """Return the message in the interface language (for reports and status)."""
    return bpy.app.translations.pgettext_iface(message)


class WorkerText:
    """text() for the delivery worker's thread.

    Blender translates on its main thread only (elsewhere pgettext returns the
    English), and the worker never touches bpy: the main thread hands it the
    sentences of the interface language with refresh(), the worker only looks up.
    """

    def __init__(self):
        self._sentences = {}

    def refresh(self):
        """Take the interface language's sentences; call on Blender's main thread."""
        view = bpy.context.preferences.view
        locale = bpy.app.translations.locale if view.use_translate_interface else ""
        table = translation_table()
        language = table.get(locale) or table.get(locale.split("_")[0]) or {}
        self._sentences = {message: translated for (context, message), translated in language.items() if context == "*"}

    def __call__(self, message: str) -> str:
        return self._sentences.get(message, message)


def register():
    bpy.app.translations.register(__package__, translation_table())


def unregister():
    bpy.app.translations.unregister(__package__)
