"""Personal posters: one attributable poster per participant, from a people file.

Owns reading people files (:mod:`.people`), fetching and checking avatars
(:mod:`.avatars`), and running a batch (rows → personal posters → ``people.csv`` and
``failed.csv``).  It may import the core modules (spec, loader, jobs, codes, render,
writer, errors); nothing in the core imports it.
"""
