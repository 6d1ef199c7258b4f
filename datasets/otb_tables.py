"""The official OTB sequence lists, frame ranges and attributes, as data.

Public facts from the OTB benchmark (Wu, Lim, Yang: "Online Object Tracking: A Benchmark", CVPR 2013, and
"Object Tracking Benchmark", TPAMI 2015; the ``configSeqs`` tables of the official MATLAB toolkits). They live
here as plain data so the layout loader needs no side file. Names are the toolkit's: a folder holding two
targets gives ``<Folder>-1`` and ``<Folder>-2`` (Jogging, Skating2); Human4's only evaluated target is
``Human4-2`` (its ``groundtruth_rect.2.txt``).
"""

ATTRIBUTES = {
    "IV": "Illumination Variation",
    "SV": "Scale Variation",
    "OCC": "Occlusion",
    "DEF": "Deformation",
    "MB": "Motion Blur",
    "FM": "Fast Motion",
    "IPR": "In-Plane Rotation",
    "OPR": "Out-of-Plane Rotation",
    "OV": "Out-of-View",
    "BC": "Background Clutters",
    "LR": "Low Resolution",
}
"""The 11 OTB attribute codes and their names, in the toolkit's order."""

OTB2013 = (
    "Basketball", "Bolt", "Boy", "Car4", "CarDark", "CarScale", "Coke", "Couple", "Crossing", "David",
    "David2", "David3", "Deer", "Dog1", "Doll", "Dudek", "FaceOcc1", "FaceOcc2", "Fish", "FleetFace",
    "Football", "Football1", "Freeman1", "Freeman3", "Freeman4", "Girl", "Ironman", "Jogging-1", "Jogging-2",
    "Jumping", "Lemming", "Liquor", "Matrix", "Mhyang", "MotorRolling", "MountainBike", "Shaking", "Singer1",
    "Singer2", "Skating1", "Skiing", "Soccer", "Subway", "Suv", "Sylvester", "Tiger1", "Tiger2", "Trellis",
    "Walking", "Walking2", "Woman",
)
"""The 51 targets of OTB-2013 (CVPR 2013)."""

OTB2015 = (
    "Basketball", "Biker", "Bird1", "Bird2", "BlurBody", "BlurCar1", "BlurCar2", "BlurCar3", "BlurCar4",
    "BlurFace", "BlurOwl", "Board", "Bolt", "Bolt2", "Box", "Boy", "Car1", "Car2", "Car24", "Car4", "CarDark",
    "CarScale", "ClifBar", "Coke", "Couple", "Coupon", "Crossing", "Crowds", "Dancer", "Dancer2", "David",
    "David2", "David3", "Deer", "Diving", "Dog", "Dog1", "Doll", "DragonBaby", "Dudek", "FaceOcc1", "FaceOcc2",
    "Fish", "FleetFace", "Football", "Football1", "Freeman1", "Freeman3", "Freeman4", "Girl", "Girl2", "Gym",
    "Human2", "Human3", "Human4-2", "Human5", "Human6", "Human7", "Human8", "Human9", "Ironman", "Jogging-1",
    "Jogging-2", "Jump", "Jumping", "KiteSurf", "Lemming", "Liquor", "Man", "Matrix", "Mhyang", "MotorRolling",
    "MountainBike", "Panda", "RedTeam", "Rubik", "Shaking", "Singer1", "Singer2", "Skater", "Skater2",
    "Skating1", "Skating2-1", "Skating2-2", "Skiing", "Soccer", "Subway", "Surfer", "Suv", "Sylvester",
    "Tiger1", "Tiger2", "Toy", "Trans", "Trellis", "Twinnings", "Vase", "Walking", "Walking2", "Woman",
)
"""The 100 targets of OTB-2015 (TB-100)."""

TB50 = (
    "Basketball", "Biker", "Bird1", "BlurBody", "BlurCar2", "BlurFace", "BlurOwl", "Bolt", "Box", "Car1",
    "Car4", "CarDark", "CarScale", "ClifBar", "Couple", "Crowds", "David", "Deer", "Diving", "DragonBaby",
    "Dudek", "Football", "Freeman4", "Girl", "Human3", "Human4-2", "Human6", "Human9", "Ironman", "Jump",
    "Jumping", "Liquor", "Matrix", "MotorRolling", "Panda", "RedTeam", "Shaking", "Singer2", "Skating1",
    "Skating2-1", "Skating2-2", "Skiing", "Soccer", "Surfer", "Sylvester", "Tiger2", "Trellis", "Walking",
    "Walking2", "Woman",
)
"""TB-50: the 50 difficult targets of OTB-2015."""

MULTI_TARGET_FOLDERS = {"Jogging": (1, 2), "Skating2": (1, 2), "Human4": (2,)}
"""Folders with one ``groundtruth_rect.<k>.txt`` per target instead of ``groundtruth_rect.txt``."""

FRAME_RANGES = {
    "David": (300, 770),
    "Football1": (1, 74),
    "Freeman3": (1, 460),
    "Freeman4": (1, 283),
    "Diving": (1, 215),
    "BlurCar1": (247, 988),
    "BlurCar3": (3, 359),
    "BlurCar4": (18, 397),
    "Tiger1": (6, 354),
}
"""Official (first, last) frame numbers, 1-based inclusive, of the targets not evaluated on all of their images
(OTB-2015's table, which matches the files distributed today; OTB-2013's original Tiger1 annotation covered
frames 1-354, the current file annotates 6-354). Every other target runs from frame 1 over one box per line of
its ground-truth file."""

SEQUENCE_ATTRIBUTES = {
    "Basketball": "IV OCC DEF OPR BC",
    "Biker": "SV OCC MB FM OPR OV LR",
    "Bird1": "DEF FM OV",
    "Bird2": "OCC DEF FM IPR OPR",
    "BlurBody": "SV DEF MB FM IPR",
    "BlurCar1": "MB FM",
    "BlurCar2": "SV MB FM",
    "BlurCar3": "MB FM",
    "BlurCar4": "MB FM",
    "BlurFace": "MB FM IPR",
    "BlurOwl": "SV MB FM IPR",
    "Board": "SV MB FM OPR OV BC",
    "Bolt": "OCC DEF IPR OPR",
    "Bolt2": "DEF BC",
    "Box": "IV SV OCC MB IPR OPR OV BC",
    "Boy": "SV MB FM IPR OPR",
    "Car1": "IV SV BC LR",
    "Car2": "IV BC",
    "Car24": "IV SV BC",
    "Car4": "IV SV",
    "CarDark": "IV BC",
    "CarScale": "SV OCC FM IPR OPR",
    "ClifBar": "SV OCC MB FM IPR OV BC",
    "Coke": "IV OCC FM IPR OPR",
    "Couple": "SV DEF FM OPR BC",
    "Coupon": "OCC BC",
    "Crossing": "SV DEF BC",
    "Crowds": "IV DEF BC",
    "Dancer": "SV DEF IPR OPR",
    "Dancer2": "DEF",
    "David": "IV SV OCC DEF MB IPR OPR",
    "David2": "IPR OPR",
    "David3": "OCC DEF OPR BC",
    "Deer": "MB FM IPR BC",
    "Diving": "SV DEF IPR",
    "Dog": "SV DEF OPR",
    "Dog1": "SV IPR OPR",
    "Doll": "IV SV OCC IPR OPR",
    "DragonBaby": "SV OCC MB FM IPR OPR OV",
    "Dudek": "SV OCC DEF FM IPR OPR OV BC",
    "FaceOcc1": "OCC",
    "FaceOcc2": "IV OCC IPR OPR",
    "Fish": "IV",
    "FleetFace": "SV DEF MB FM IPR OPR",
    "Football": "OCC IPR OPR BC",
    "Football1": "IPR OPR BC",
    "Freeman1": "SV IPR OPR",
    "Freeman3": "SV IPR OPR LR",
    "Freeman4": "SV OCC IPR OPR LR",
    "Girl": "SV OCC IPR OPR",
    "Girl2": "SV OCC DEF MB OPR",
    "Gym": "SV DEF IPR OPR",
    "Human2": "IV SV MB OPR",
    "Human3": "SV OCC DEF OPR BC",
    "Human4-2": "IV SV OCC DEF",
    "Human5": "SV OCC DEF",
    "Human6": "SV OCC DEF FM OPR OV",
    "Human7": "IV SV OCC DEF MB FM",
    "Human8": "IV SV DEF",
    "Human9": "IV SV DEF MB FM",
    "Ironman": "IV SV OCC MB FM IPR OPR OV BC",
    "Jogging-1": "OCC DEF OPR",
    "Jogging-2": "OCC DEF OPR",
    "Jump": "SV OCC DEF MB IPR OPR",
    "Jumping": "MB FM",
    "KiteSurf": "IV OCC IPR OPR",
    "Lemming": "IV SV OCC FM OPR OV",
    "Liquor": "IV SV OCC MB FM OPR OV BC",
    "Man": "IV",
    "Matrix": "IV SV OCC FM IPR OPR BC",
    "Mhyang": "IV DEF OPR BC",
    "MotorRolling": "IV SV MB FM IPR BC",
    "MountainBike": "IPR OPR BC",
    "Panda": "SV OCC DEF IPR OPR OV LR",
    "RedTeam": "SV OCC IPR OPR LR",
    "Rubik": "SV OCC IPR OPR",
    "Shaking": "IV SV IPR OPR BC",
    "Singer1": "IV SV OCC OPR",
    "Singer2": "IV DEF IPR OPR BC",
    "Skater": "SV DEF IPR OPR",
    "Skater2": "SV DEF FM IPR OPR",
    "Skating1": "IV SV OCC DEF OPR BC",
    "Skating2-1": "SV OCC DEF FM OPR",
    "Skating2-2": "SV OCC DEF FM OPR",
    "Skiing": "IV SV DEF IPR OPR LR",
    "Soccer": "IV SV OCC MB FM IPR OPR BC",
    "Subway": "OCC DEF BC",
    "Surfer": "SV FM IPR OPR LR",
    "Suv": "OCC IPR OV",
    "Sylvester": "IV IPR OPR",
    "Tiger1": "IV OCC DEF MB FM IPR OPR",
    "Tiger2": "IV OCC DEF MB FM IPR OPR OV",
    "Toy": "SV FM IPR OPR",
    "Trans": "IV SV OCC DEF",
    "Trellis": "IV SV IPR OPR BC",
    "Twinnings": "SV OPR",
    "Vase": "SV FM IPR",
    "Walking": "SV OCC DEF LR",
    "Walking2": "SV OCC",
    "Woman": "IV SV OCC DEF MB FM OPR",
}
"""Attribute codes of each OTB-2015 target (the TPAMI 2015 annotation, also used for the OTB-2013 subset)."""

