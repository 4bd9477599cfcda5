/* capability.c - the capability vocabulary (DESIGN §3). */
#include "capability.h"
#include "module.h"

#include <string.h>

const struct capability_def capabilities[] = {
    {"task", "work", "Genel görev takibi: atama, süre, durum, havale"},
    {"desk", "desk", "Hizmet masası: arıza ve talep kayıtları, SLA"},
    {"assets", "assets", "Donanım envanteri (taşınır kayıtları)"},
    {"custody", "assets", "Zimmet: teslim, iade, ortak alan listeleri"},
    {"stock", "stock", "Sarf malzemesi stoku"},
    {"inventory_agent", "assets", "Ajanla otomatik donanım/yazılım envanteri"},
    {"software", "assets", "Yazılım kataloğu"},
    {"licence", "assets", "Lisans takibi ve uyumluluk"},
    {"access_request", "access", "Sistem yetki talepleri ve onay zinciri"},
    {"access_review", "access", "Dönemsel yetki gözden geçirme"},
    {"handover", "handover", "Devir-teslim ve ilişik kesme"},
    {"vault", "vault", "Ayrıcalıklı parola kasası"},
    {"esign", "esign", "E-imza ve mobil imza takibi"},
    {"netlog", "netlog", "5651 erişim kayıtları: toplama, mühürleme, sorgu"},
    {"registry", "docs", "Evrak kayıt (gelen/giden yazı)"},
    {"archive", "docs", "Arşivleme"},
    {"calendar", "work", "Takvim ve etkinlik günleri"},
    {"meeting", "work", "Toplantı ve tutanaklar"},
    {"attendance", "work", "Personel devam takibi (puantaj)"},
    {"leave", "work", "Personel izinleri"},
    {"training", "work", "Personel ve kullanıcı eğitimleri"},
    {"performance_goal", "work", "Personel performans ve hedefleri"},
    {"backup", "ops", "Sunucu ve veri yedekleri"},
    {"monitor", "ops", "Sistem ve ağ izleme, erişilebilirlik"},
    {"certificate", "ops", "SSL/TLS sertifikaları ve alan adları"},
    {"telecom", "ops", "Telefon hatları, santral, GSM ve internet abonelikleri"},
    {"energy", "ops", "Enerji verimliliği ve elektrik altyapısı"},
    {"vendor_contract", "procure", "Bakım ve hizmet sözleşmeleri"},
    {"procurement", "procure", "Satın alma, ihale, teknik şartname"},
    {"budget", "procure", "Bütçe planlama ve harcama"},
    {"activity_report", "report", "Yıllık faaliyet raporu"},
    {"performance_program", "report", "Performans programı ve stratejik plan girdileri"},
    {"security_incident", "sec", "Siber olaylar ve SOME"},
    {"usom", "sec", "USOM bildirimleri"},
    {"pentest", "sec", "Sızma testleri"},
    {"security_policy", "sec", "Bilgi güvenliği politikaları (BGYS)"},
    {"security_audit", "sec", "Güvenlik denetimi ve uyum"},
    {"kvkk", "sec", "Kişisel verilerin korunması"},
    {"citizen_request", "citizen", "Vatandaş talepleri, CİMER, çağrı merkezi"},
    {"survey", "citizen", "Anketler"},
    {"kbs_sales", "citizen", "Kent bilgi sistemi verisi ve harita satışı"},
    {"telecom_permit", "citizen", "Baz istasyonu yer seçim belgesi"},
    {"project", "work", "Yazılım ve bilişim projeleri"},
    {"event", "work", "Etkinlik ve canlı yayın organizasyonu"},
    {"legal_case", "docs", "Dava ve hukuki yazışmalar"},
};
const size_t ncapabilities = sizeof capabilities / sizeof capabilities[0];

const struct capability_def *capability_find(const char *key)
{
  for (size_t i = 0; i < ncapabilities; i++)
    if (key && strcmp(capabilities[i].key, key) == 0)
      return &capabilities[i];
  return NULL;
}

bool capability_implemented(const char *key)
{
  for (size_t m = 0; m < defter_nmodules; m++) {
    const char *const *c = defter_modules[m]->capabilities;
    for (; c && *c; c++)
      if (strcmp(*c, key) == 0)
        return true;
  }
  return false;
}
