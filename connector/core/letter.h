// placeholder: the contract is written in a following commit.
#pragma once
