# pollwatch — русский

yes = да
no = нет
save = Сохранить
search = Поиск
search-button = Найти
total = Всего
shown = Показано
name = Название
code = Код
address = Адрес
area = Территория
active = Активен
inactive = отключён
activate = Включить
deactivate = Отключить
account = Учётная запись
back-home = На главную
back-to-person = Назад к человеку
times-in-baku = время бакинское (UTC+4)
pager-previous = Назад
pager-next = Далее

nav-constituencies = Округа
nav-stations = Участки
nav-candidates = Кандидаты
nav-organisations = Организации
nav-people = Люди
nav-imports = Импорт
nav-exports = Экспорт
nav-audit = Журнал аудита
nav-tokens = API-токены
nav-sign-in = Войти
nav-sign-out = Выйти

sign-in-title = Вход
sign-in-button = Войти
sign-in-failed = Неверное имя пользователя или пароль, либо учётная запись отключена.
sign-in-help = Используйте имя пользователя и пароль, выданные вашей организацией. Забыли? Обратитесь к координатору.
field-username = Имя пользователя
field-password = Пароль
field-full-name = Фамилия и имя
field-role = Роль
field-organisation = Организация
field-phone = Телефон
field-email = Эл. почта
field-observer-code = Код наблюдателя
field-stations = Участки
field-constituencies = Округа
observer-code-hint = шесть цифр; пусто — назначается автоматически

election-date = День выборов
figure-constituencies = округов
figure-stations = избирательных участков
figure-voters = зарегистрированных избирателей
figure-monitored = округов под наблюдением
no-election-yet = Выборы ещё не загружены. Администратор может импортировать округа, участки и кандидатов.
your-work = Ваша работа
your-role = Ваша роль
your-stations = { $count ->
    [one] Вы направлены на { $count } участок:
    [few] Вы направлены на { $count } участка:
   *[other] Вы направлены на { $count } участков:
}
your-constituencies = Вы координируете:
count-stations = { $count ->
    [one] { $count } участок
    [few] { $count } участка
   *[other] { $count } участков
}

constituencies-title = Избирательные округа
constituency = Округ
constituency-search-hint = номер или название, напр. 17 или Yasamal
in-baku = В Баку
in-baku-yes = да
in-baku-no = нет
in-baku-partial = частично
monitored = Под наблюдением
monitored-only = только под наблюдением
people-here = Кто здесь работает
stations-title = Избирательные участки
candidates-title = Кандидаты
nominated-by = Кем выдвинут
organisations-title = Организации-участницы
coalition-name = Группа мониторинга и анализа выборов — коалиция трёх организаций.
people-count = Людей

role-coalition_admin = Администратор коалиции
role-org_admin = Администратор организации
role-coordinator = Координатор округа
role-observer = Наблюдатель
role-media_monitor = Медиамонитор
role-analyst = Аналитик
role-partner = Партнёр

people-title = Люди
people-search-hint = имя, имя пользователя или телефон
person-new = Добавить человека
person-role-not-allowed = Вы не можете назначить эту роль или организацию.
person-conflict = Это имя пользователя или код наблюдателя уже заняты
password-issued = Новый пароль
password-issued-help = Передайте этот пароль человеку лично. Он показывается один раз; сменить его можно в разделе «Учётная запись».
password-reset = Выдать новый пароль
password-change = Смена пароля
password-current = Текущий пароль
password-new = Новый пароль (не менее 10 символов)
password-current-wrong = Текущий пароль неверен.
password-too-short = Новый пароль должен содержать не менее 10 символов.
password-changed = Пароль изменён.

imports-title = Импорт
imports-help = Загрузите файл CSV или Excel (.xlsx). Вы выберете, в каком столбце что находится, проверите файл пробным запуском и только потом примените его. Файл с ошибками никогда не импортируется наполовину.
import-kind = Что в файле
import-kind-constituencies = Округа
import-kind-stations = Участки
import-kind-candidates = Кандидаты
import-kind-people = Люди
import-kind-missing = Выберите, что содержит файл.
import-file = Файл (CSV или XLSX)
import-upload = Загрузить
import-columns = Столбцы каждого импорта (* обязательные)
import-unreadable = Не удалось прочитать файл
import-rows = Строк данных
import-mapping = Какой столбец что содержит
import-mapping-invalid = Выбор столбцов неполон
import-dry-run = Пробный запуск (проверить, ничего не менять)
import-apply = Применить
import-preview = Первые строки файла
import-has-problems = Ничего не импортировано. Исправьте эти ошибки в файле и загрузите его снова
import-row = Строка
import-column = Столбец
import-value = Значение
import-problem = Ошибка
import-conflict = База данных отклонила строку
import-created = новых
import-updated = обновлено
import-applied = Импортировано
import-dry-run-ok = Пробный запуск прошёл, ничего не изменено:
import-another = Импортировать другой файл

problem-required = значение обязательно
problem-not-a-number = должно быть целым числом
problem-out-of-range = должно быть от { $min } до { $max }
problem-unknown-constituency = такого округа нет (сначала импортируйте округа)
problem-unknown-station = участка { $station } нет
problem-bad-station = это не участок
problem-unknown-organisation = нет организации-участницы с таким кодом
problem-organisation-required = для этой роли нужна организация-участница
problem-unknown-role = неизвестная роль; используйте observer, coordinator, org_admin, media_monitor, analyst, partner или coalition_admin
problem-not-yes-no = должно быть да или нет
problem-bad-value = недопустимое значение
problem-duplicate = повторяет строку { $row }

exports-title = Экспорт

audit-title = Журнал аудита
audit-when = Когда
audit-actor = Кто
audit-channel = Канал
audit-action = Действие
audit-entity = Запись
audit-details = Подробности
audit-from = С
audit-until = По

tokens-title = API-токены
tokens-help = Токен позволяет системе партнёра или устройству читать API от имени учётной записи, которой он выдан. Он показывается один раз и хранится только в виде хеша; отзовите его, когда он больше не нужен.
token-label = Название
token-account = Учётная запись (имя пользователя)
token-create = Выдать токен
token-created = Выдан
token-revoke = Отозвать
token-revoked = отозван
token-issued = Новый API-токен
token-issued-help = Скопируйте токен сейчас; больше он показан не будет.
token-account-unknown = Укажите название и имя пользователя существующей учётной записи.

error-unauthenticated = Пожалуйста, войдите
error-forbidden = У вас нет прав на это действие
error-not_found = Не найдено
error-invalid = Некорректный запрос
error-conflict = Это противоречит существующим данным
error-csrf = Срок действия формы истёк или она отправлена не с этого сайта. Обновите страницу и попробуйте снова.
error-too_many_requests = Слишком много попыток. Подождите несколько минут и попробуйте снова.
error-too_large = Загружаемый файл слишком велик
error-internal = На нашей стороне произошла ошибка. Попробуйте ещё раз; если она повторится, сообщите администратору коалиции.

# Отчёты в день выборов
answers-invalid = Некоторые ответы нужно исправить
answer-unknown_question = в этой форме нет такого вопроса
answer-required = нужен ответ
answer-not_yes_no = ответьте «да» или «нет»
answer-not_integer = должно быть целым числом
answer-not_number = должно быть числом
answer-out_of_range = должно быть от { $min } до { $max }
answer-unknown_choice = выберите одно из: { $allowed }
answer-too_long = не более { $max } символов
answer-not_text = должен быть текст
answer-bad_time = напишите время как ЧЧ:ММ, напр. 08:05
answer-not_a_photo = приложите фото заново
answer-check_failed = цифры не сходятся
intake-bad-id = Идентификатор отчёта должен содержать от 8 до 64 букв, цифр, «-» или «_».
intake-unknown-form = Нет такой формы:
intake-bad-station = Нет такого участка; пишите как округ/участок, напр. 17/203
intake-station-needed = Вы охватываете несколько участков: укажите, к какому относится отчёт.
intake-id-reused = Этот идентификатор уже использован для другого отчёта
nav-observe = Отчёт
nav-coverage = Охват
nav-incidents = Нарушения
nav-conflicts = Расхождения
coverage-title = Охват
coverage-live = Обновляется сам по мере поступления отчётов
coverage-missing = Недостающие
coverage-turnout = Наблюдаемая явка
coverage-time = Время
coverage-stations = Участков с отчётом
coverage-observed = Наблюдение
coverage-announced = Объявлено комиссиями
coverage-expected = Ожидается
coverage-observers = Наблюдатели
coverage-due = Срок
incidents-title = Нарушения
incident = Нарушение
incident-status = Статус
incident-severity = Серьёзность
incident-category = Вид
incident-when = Получено
incident-photo = Фото
incident-change = Следующий шаг
incident-referred-to = Передано (комиссия)
incident-note = Заметка
incident-history = История
incident-status-new = новое
incident-status-triaged = рассмотрено
incident-status-verified = подтверждено
incident-status-rejected = отклонено
incident-status-referred = передано
incident-status-resolved = решено
conflicts-title = Расхождения между наблюдателями
conflicts-help = Два наблюдателя на одном участке ответили по-разному. Позвоните им и оставьте верный ответ; оба отчёта сохраняются как были отправлены.
conflict-question = Вопрос
conflict-answers = Ответы
conflict-keep = Оставить
