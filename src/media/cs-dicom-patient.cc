/* cs-dicom-patient.cc — who a DICOM file is of: the patient's name, ID and birth date
 * Copyright 2026 The Carpalscope developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Identity is read only to be shown in the window beside the case's pseudonym; what may write it
 * elsewhere is the study's choice (CsStudy's "identity-in-reports"), not this file's.
 */
#include "config.h"

#include "cs-dicom-private.hh"

using namespace cs_dicom_internal;

/* Returns @raw as UTF-8: as it is when it already is (ASCII, ISO_IR 192), from Latin-1 when the
 * Specific Character Set (0008,0005) says ISO_IR 100, else with what is not UTF-8 replaced. */
static std::string
to_utf8(const std::string &raw, const std::string &charset)
{
  if (g_utf8_validate(raw.data(), (gssize)raw.size(), nullptr))
    return raw;
  if (charset.find("ISO_IR 100") != std::string::npos) {
    g_autofree char *converted =
        g_convert(raw.data(), (gssize)raw.size(), "UTF-8", "ISO-8859-1", nullptr, nullptr, nullptr);
    if (converted != nullptr)
      return converted;
  }
  g_autofree char *valid = g_utf8_make_valid(raw.data(), (gssize)raw.size());
  return valid;
}

/* Returns a Person Name (PN) for reading: its alphabetic group's family name, a comma, then the
 * other components ("Yamada^Hanako" -> "Yamada, Hanako"), without empty ones. */
static std::string
person_name(const std::string &pn)
{
  std::string alphabetic = pn.substr(0, pn.find('='));
  g_auto(GStrv) parts = g_strsplit(alphabetic.c_str(), "^", 5);
  std::string family, rest;

  for (int i = 0; parts[i] != nullptr; i++) {
    g_strstrip(parts[i]);
    if (parts[i][0] == '\0')
      continue;
    if (i == 0)
      family = parts[i];
    else
      rest += (rest.empty() ? "" : " ") + std::string(parts[i]);
  }
  if (family.empty() || rest.empty())
    return family + rest;
  return family + ", " + rest;
}

/* Returns a Date (DA) "YYYYMMDD" as "YYYY-MM-DD", any other text as it is. */
static std::string
date_of(const std::string &da)
{
  if (da.size() == 8 && da.find_first_not_of("0123456789") == std::string::npos)
    return da.substr(0, 4) + "-" + da.substr(4, 2) + "-" + da.substr(6, 2);
  return da;
}

void
cs_dicom_internal::read_patient(CsDicom *dicom, const gdcm::DataSet &ds)
{
  std::string charset = text_of(ds, 0x0008, 0x0005);

  dicom->patient_name = person_name(to_utf8(text_of(ds, 0x0010, 0x0010), charset));
  dicom->patient_id = to_utf8(text_of(ds, 0x0010, 0x0020), charset);
  dicom->patient_birth_date = date_of(to_utf8(text_of(ds, 0x0010, 0x0030), charset));
}

const char *
cs_dicom_get_patient_name(CsDicom *dicom)
{
  g_return_val_if_fail(dicom != nullptr, nullptr);
  return dicom->patient_name.empty() ? nullptr : dicom->patient_name.c_str();
}

const char *
cs_dicom_get_patient_id(CsDicom *dicom)
{
  g_return_val_if_fail(dicom != nullptr, nullptr);
  return dicom->patient_id.empty() ? nullptr : dicom->patient_id.c_str();
}

const char *
cs_dicom_get_patient_birth_date(CsDicom *dicom)
{
  g_return_val_if_fail(dicom != nullptr, nullptr);
  return dicom->patient_birth_date.empty() ? nullptr : dicom->patient_birth_date.c_str();
}
