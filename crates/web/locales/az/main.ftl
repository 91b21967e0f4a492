# pollwatch — Azərbaycanca

yes = bəli
no = xeyr
save = Yadda saxla
search = Axtarış
search-button = Axtar
total = Cəmi
shown = Göstərilir
name = Ad
code = Kod
address = Ünvan
area = Ərazi
active = Aktiv
inactive = deaktiv
activate = Aktivləşdir
deactivate = Deaktiv et
account = Hesab
back-home = Ana səhifəyə qayıt
back-to-person = Şəxsin səhifəsinə qayıt
times-in-baku = vaxtlar Bakı vaxtı ilədir (UTC+4)
pager-previous = Əvvəlki
pager-next = Növbəti

nav-constituencies = Seçki dairələri
nav-stations = Seçki məntəqələri
nav-candidates = Namizədlər
nav-organisations = Təşkilatlar
nav-people = İnsanlar
nav-imports = İdxal
nav-exports = İxrac
nav-audit = Audit jurnalı
nav-tokens = API açarları
nav-sign-in = Daxil ol
nav-sign-out = Çıxış

sign-in-title = Daxil olun
sign-in-button = Daxil ol
sign-in-failed = İstifadəçi adı və ya şifrə yanlışdır, yaxud hesab deaktiv edilib.
sign-in-help = Təşkilatınızın verdiyi istifadəçi adı və şifrədən istifadə edin. Unutmusunuzsa, koordinatorunuza müraciət edin.
field-username = İstifadəçi adı
field-password = Şifrə
field-full-name = Adı, soyadı
field-role = Rol
field-organisation = Təşkilat
field-phone = Telefon
field-email = E-poçt
field-observer-code = Müşahidəçi kodu
field-stations = Seçki məntəqələri
field-constituencies = Seçki dairələri
observer-code-hint = altı rəqəm; boş qalsa, avtomatik verilir

election-date = Seçki günü
figure-constituencies = seçki dairəsi
figure-stations = seçki məntəqəsi
figure-voters = qeydiyyatda olan seçici
figure-monitored = müşahidə olunan dairə
no-election-yet = Hələ heç bir seçki yüklənməyib. Administrator seçki dairələrini, məntəqələri və namizədləri idxal edə bilər.
your-work = Sizin işiniz
your-role = Rolunuz
your-stations = { $count ->
   *[other] Siz { $count } seçki məntəqəsinə təyin olunmusunuz:
}
your-constituencies = Koordinasiya etdiyiniz dairələr:
count-stations = { $count ->
   *[other] { $count } məntəqə
}

constituencies-title = Seçki dairələri
constituency = Seçki dairəsi
constituency-search-hint = nömrə və ya ad, məs. 17 və ya Yasamal
in-baku = Bakıda
in-baku-yes = bəli
in-baku-no = xeyr
in-baku-partial = qismən
monitored = Müşahidə olunur
monitored-only = yalnız müşahidə olunanlar
people-here = Burada işləyənlər
stations-title = Seçki məntəqələri
candidates-title = Namizədlər
nominated-by = Kim tərəfindən irəli sürülüb
organisations-title = Üzv təşkilatlar
coalition-name = Seçki Müşahidə və Təhlil Qrupu üç təşkilatın koalisiyasıdır.
people-count = İnsanlar

role-coalition_admin = Koalisiya administratoru
role-org_admin = Təşkilat administratoru
role-coordinator = Dairə koordinatoru
role-observer = Müşahidəçi
role-media_monitor = Media monitorinqçisi
role-analyst = Analitik
role-partner = Tərəfdaş

people-title = İnsanlar
people-search-hint = ad, istifadəçi adı və ya telefon
person-new = Şəxs əlavə et
person-role-not-allowed = Bu rolu və ya təşkilatı verməyə icazəniz yoxdur.
person-conflict = Bu istifadəçi adı və ya müşahidəçi kodu artıq istifadə olunur
password-issued = Yeni şifrə
password-issued-help = Bu şifrəni şəxsə təkbətək çatdırın. O yalnız bir dəfə göstərilir; şəxs onu "Hesab" bölməsində dəyişə bilər.
password-reset = Yeni şifrə ver
password-change = Şifrənizi dəyişin
password-current = Hazırkı şifrə
password-new = Yeni şifrə (ən azı 10 simvol)
password-current-wrong = Hazırkı şifrə yanlışdır.
password-too-short = Yeni şifrə ən azı 10 simvoldan ibarət olmalıdır.
password-changed = Şifrəniz dəyişdirildi.

imports-title = İdxal
imports-help = CSV və ya Excel (.xlsx) faylı yükləyin. Hansı sütunda nə olduğunu seçəcək, faylı sınaq rejimində yoxlayacaq və yalnız sonra tətbiq edəcəksiniz. Problemli fayl heç vaxt yarımçıq idxal olunmur.
import-kind = Faylda nə var
import-kind-constituencies = Seçki dairələri
import-kind-stations = Seçki məntəqələri
import-kind-candidates = Namizədlər
import-kind-people = İnsanlar
import-kind-missing = Faylda nə olduğunu seçin.
import-file = Fayl (CSV və ya XLSX)
import-upload = Yüklə
import-columns = Hər idxalın oxuduğu sütunlar (* məcburi)
import-unreadable = Faylı oxumaq mümkün olmadı
import-rows = Məlumat sətirləri
import-mapping = Hansı sütunda nə var
import-mapping-invalid = Sütun seçimi natamamdır
import-dry-run = Sınaq (yoxla, heç nəyi dəyişmə)
import-apply = Tətbiq et
import-preview = Faylın ilk sətirləri
import-has-problems = Heç nə idxal olunmadı. Bu problemləri faylda düzəldin və yenidən yükləyin
import-row = Sətir
import-column = Sütun
import-value = Dəyər
import-problem = Problem
import-conflict = Verilənlər bazası sətri qəbul etmədi
import-created = yeni
import-updated = yenilənib
import-applied = İdxal olundu
import-dry-run-ok = Sınaq uğurludur, heç nə dəyişmədi:
import-another = Başqa fayl idxal et

problem-required = dəyər məcburidir
problem-not-a-number = tam ədəd olmalıdır
problem-out-of-range = { $min } ilə { $max } arasında olmalıdır
problem-unknown-constituency = belə seçki dairəsi yoxdur (əvvəlcə dairələri idxal edin)
problem-unknown-station = { $station } seçki məntəqəsi yoxdur
problem-bad-station = seçki məntəqəsi deyil
problem-unknown-organisation = bu kodla üzv təşkilat yoxdur
problem-organisation-required = bu rol üçün üzv təşkilat göstərilməlidir
problem-unknown-role = naməlum rol; observer, coordinator, org_admin, media_monitor, analyst, partner və ya coalition_admin yazın
problem-not-yes-no = bəli və ya xeyr olmalıdır
problem-bad-value = yanlış dəyər
problem-duplicate = { $row } nömrəli sətri təkrarlayır

exports-title = İxrac

audit-title = Audit jurnalı
audit-when = Nə vaxt
audit-actor = Kim
audit-channel = Kanal
audit-action = Əməliyyat
audit-entity = Qeyd
audit-details = Təfərrüatlar
audit-from = Başlanğıc
audit-until = Son

tokens-title = API açarları
tokens-help = Açar tərəfdaşın sisteminə və ya cihaza API-ni verildiyi hesab adından oxumağa imkan verir. O bir dəfə göstərilir və yalnız heş kimi saxlanılır; lazım olmadıqda ləğv edin.
token-label = Ad
token-account = Hesab (istifadəçi adı)
token-create = Açar ver
token-created = Verilib
token-revoke = Ləğv et
token-revoked = ləğv edilib
token-issued = Yeni API açarı
token-issued-help = Bu açarı indi köçürün; o bir daha göstərilməyəcək.
token-account-unknown = Ad və mövcud hesabın istifadəçi adını yazın.

error-unauthenticated = Zəhmət olmasa, daxil olun
error-forbidden = Bunu etməyə icazəniz yoxdur
error-not_found = Tapılmadı
error-invalid = Sorğu düzgün deyil
error-conflict = Bu, mövcud məlumatlarla ziddiyyət təşkil edir
error-csrf = Formanın vaxtı keçib və ya o bu saytdan gəlməyib. Səhifəni yeniləyin və yenidən cəhd edin.
error-too_many_requests = Çox sayda cəhd. Bir neçə dəqiqə gözləyin və yenidən cəhd edin.
error-too_large = Yüklənən fayl çox böyükdür
error-internal = Bizim tərəfdə xəta baş verdi. Yenidən cəhd edin; təkrarlanarsa, koalisiyanın administratoruna bildirin.

# Seçki günü hesabatları
answers-invalid = Bəzi cavabları düzəltmək lazımdır
answer-unknown_question = bu formada belə sual yoxdur
answer-required = cavab lazımdır
answer-not_yes_no = bəli və ya xeyr cavabı verin
answer-not_integer = tam ədəd olmalıdır
answer-not_number = ədəd olmalıdır
answer-out_of_range = { $min } ilə { $max } arasında olmalıdır
answer-unknown_choice = bunlardan birini seçin: { $allowed }
answer-too_long = ən çoxu { $max } simvol
answer-not_text = mətn olmalıdır
answer-bad_time = vaxtı SS:DD kimi yazın, məs. 08:05
answer-not_a_photo = şəkli yenidən əlavə edin
answer-check_failed = rəqəmlər bir-birinə uyğun gəlmir
intake-bad-id = Hesabatın identifikatoru 8–64 hərf, rəqəm, '-' və ya '_' olmalıdır.
intake-unknown-form = Belə forma yoxdur:
intake-bad-station = Belə seçki məntəqəsi yoxdur; dairə/məntəqə kimi yazın, məs. 17/203
intake-station-needed = Siz bir neçə məntəqəni əhatə edirsiniz: hesabatın hansı məntəqəyə aid olduğunu göstərin.
intake-id-reused = Bu hesabat identifikatoru artıq başqa hesabat üçün istifadə olunub
